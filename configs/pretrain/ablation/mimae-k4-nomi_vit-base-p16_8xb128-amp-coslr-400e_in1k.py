# Ablation: MAE with K=4 orthogonal masks per image, no MI terms.
_base_ = '../mimae_vit-base-p16_8xb128-amp-coslr-400e_in1k.py'

model = dict(mi_max_head=None, mi_min_head=None)
