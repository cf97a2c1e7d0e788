# Ablation: one mask per image, no MI terms. Exactly MMPretrain's MAE (same
# loss for the same weights and seed), at the MI-MAE batch and schedule.
_base_ = '../mimae_vit-base-p16_8xb128-amp-coslr-400e_in1k.py'

model = dict(backbone=dict(num_masks=1), mi_max_head=None, mi_min_head=None)
