# Low-label k-NN (10 labelled train images per class) on the translated
# MNIST scans (data/mnist-shift24).
_base_ = './mimae_vit-tiny-p4_knn-k20_mnist-10shot.py'

data_root = 'data/mnist-shift24/'
test_dataloader = dict(dataset=dict(data_root=data_root))
model = dict(prototype=dict(dataset=dict(data_root=data_root)))
