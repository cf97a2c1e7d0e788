# Baseline: MMPretrain's MAE ViT-B/16, 400 epochs (same dataset,
# runtime and schedule bases as the MI-MAE configs), for side-by-side runs.
# 400-epoch MI-MAE sees as many masked views as 1600-epoch MAE; that
# comparison is mae_vit-base-p16_8xb512-amp-coslr-1600e_in1k.py.
_base_ = 'mmpretrain::mae/mae_vit-base-p16_8xb512-amp-coslr-400e_in1k.py'

# Only for the compatibility fixes (torch >= 2.6 checkpoints, CPU dist).
custom_imports = dict(imports=['mimae'], allow_failed_imports=False)

# The precision and optimizer kernel of the MI-MAE configs (bf16 AMP where the
# GPU has it, fused AdamW), so that side-by-side runs differ in the model only.
optim_wrapper = dict(type='AutoAmpOptimWrapper', optimizer=dict(fused=True))
