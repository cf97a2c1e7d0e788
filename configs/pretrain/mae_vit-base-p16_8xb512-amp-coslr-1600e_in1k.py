# Baseline: MMPretrain's MAE ViT-B/16, 1600 epochs (as many masked views per
# image as 400-epoch MI-MAE with K=4).
_base_ = 'mmpretrain::mae/mae_vit-base-p16_8xb512-amp-coslr-1600e_in1k.py'

custom_imports = dict(imports=['mimae'], allow_failed_imports=False)

# The precision and optimizer kernel of the MI-MAE configs (bf16 AMP where the
# GPU has it, fused AdamW), so that side-by-side runs differ in the model only.
optim_wrapper = dict(type='AutoAmpOptimWrapper', optimizer=dict(fused=True))
