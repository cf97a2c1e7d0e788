# k-NN on the translated MNIST scans (data/mnist-shift24; see
# configs/pretrain/mimae_vit-tiny-p4_1xb64-coslr-20e_mnist-shift24.py).
_base_ = './mimae_vit-tiny-p4_knn-k20_mnist.py'

data_root = 'data/mnist-shift24/'
test_dataloader = dict(dataset=dict(data_root=data_root))
model = dict(prototype=dict(dataset=dict(data_root=data_root)))
