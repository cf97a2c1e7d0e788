# Ablation: K=4 orthogonal masks with the max-MI (InfoNCE) term only.
_base_ = '../mimae_vit-base-p16_8xb128-amp-coslr-400e_in1k.py'

model = dict(mi_min_head=None)
