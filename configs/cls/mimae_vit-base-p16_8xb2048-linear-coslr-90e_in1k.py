# ImageNet-1K linear probe of the MI-MAE ViT-B/16 backbone: MMPretrain's MAE
# protocol (frozen backbone, BN neck on the cls token, LARS lr 6.4 at batch
# 16384, 90 epochs, AMP).
_base_ = [
    'mmpretrain::mae/benchmarks/vit-base-p16_8xb2048-linear-coslr-90e_in1k.py',
    './_base_/mimae_strict_checkpoint.py'
]

# MMPretrain's linear-probe ViT (frozen, cls token after the final norm)
# from the pre-training checkpoint; another one: --cfg-options
# model.backbone.init_cfg.checkpoint=PATH.
model = dict(
    backbone=dict(
        init_cfg=dict(
            checkpoint=
            'work_dirs/mimae_vit-base-p16_8xb128-amp-coslr-400e_in1k/epoch_400.pth'
        )))

# MMPretrain inherits base_batch_size=1024 from the Swin schedule, but lr 6.4
# is 0.1 x 16384 / 256: --auto-scale-lr must scale from 8 x 2048.
auto_scale_lr = dict(base_batch_size=16384)
