# MI-MAE ViT-L/16, 400 epochs on ImageNet-1K. Same recipe and batch logic as
# the ViT-B config (8 GPUs x 128 images x 4 accumulation = 4096 images);
# MMPretrain's MAE ViT-L also runs 512 images per GPU. Not measured on a GPU
# yet: lower batch_size and raise accumulative_counts if it does not fit.
_base_ = './mimae_vit-base-p16_8xb128-amp-coslr-400e_in1k.py'

model = dict(backbone=dict(arch='l'), neck=dict(embed_dim=1024))
