# The MNIST pre-training on the translated scans (mnist_to_imagenet.py
# data/mnist-shift24 --digit-size 24: each scan resized to 24 px at a seeded
# random position on 32 px of black), where the raw pixels are a weak
# feature. Only the data root changes.
_base_ = './mimae_vit-tiny-p4_1xb64-coslr-20e_mnist.py'

data_root = 'data/mnist-shift24/'
train_dataloader = dict(dataset=dict(data_root=data_root))
