# Short name for MI-MAE ViT-L/16, 400 epochs, ImageNet-1K.
_base_ = './mimae_vit-large-p16_8xb128-amp-coslr-400e_in1k.py'
