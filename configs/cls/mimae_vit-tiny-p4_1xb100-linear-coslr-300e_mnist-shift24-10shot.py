# Low-label linear probe (10 labelled train images per class) on the
# translated MNIST scans (data/mnist-shift24).
_base_ = './mimae_vit-tiny-p4_1xb100-linear-coslr-300e_mnist-10shot.py'

data_root = 'data/mnist-shift24/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
