# MAE baseline: mimae_vit-base-p16_8xb128-coslr-100e_in1k.py with MMPretrain MAE's pre-trained
# backbone (same keys, so the same backbone class loads it).
_base_ = './mimae_vit-base-p16_8xb128-coslr-100e_in1k.py'

model = dict(
    backbone=dict(
        init_cfg=dict(
            checkpoint=
            'work_dirs/mae_vit-base-p16_8xb512-amp-coslr-400e_in1k/epoch_400.pth'
        )))
