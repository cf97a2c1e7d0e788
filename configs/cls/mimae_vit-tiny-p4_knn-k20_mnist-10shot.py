# Low-label k-NN on MNIST: only 10 labelled train images per class
# (meta/train_10shot.txt, 100 prototypes) vote for the 1000 val images.
_base_ = './mimae_vit-tiny-p4_knn-k20_mnist.py'

model = dict(prototype=dict(dataset=dict(ann_file='meta/train_10shot.txt')))
