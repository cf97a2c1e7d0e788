# MAE baseline: the MI-MAE UperNet config with MMPretrain MAE's pre-trained
# backbone (same keys, so the same backbone class loads it).
_base_ = './mimae_vit-base-p16_upernet_8xb2-amp-160k_ade20k-512x512.py'

model = dict(
    backbone=dict(
        init_cfg=dict(
            checkpoint=
            'work_dirs/mae_vit-base-p16_8xb512-amp-coslr-400e_in1k/epoch_400.pth'
        )))
