# ImageNet-1K linear probe of the MI-MAE ViT-B/16 backbone: MMPretrain's MAE
# protocol (frozen backbone, BN neck on the cls token, LARS lr 6.4 at batch
# 16384, 90 epochs, AMP).
_base_ = ('mmpretrain::mae/benchmarks/'
          'vit-base-p16_8xb2048-linear-coslr-90e_in1k.py')

# The pre-training checkpoint; override with --cfg-options pretrained=PATH.
pretrained = 'work_dirs/mimae_vit-base-p16_8xb128-amp-coslr-400e_in1k/epoch_400.pth'  # noqa: E501

custom_imports = dict(imports=['mimae'], allow_failed_imports=False)
# mmengine's Pretrained init loads leniently; this refuses a checkpoint
# whose keys do not match the backbone, listing them.
custom_hooks = [dict(type='StrictPretrainedHook')]

model = dict(
    backbone=dict(
        _delete_=True,
        type='VisionTransformer',
        arch='b',
        img_size=224,
        patch_size=16,
        frozen_stages=12,
        out_type='cls_token',
        final_norm=True,
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')))

# MMPretrain inherits base_batch_size=1024 from the Swin schedule, but lr 6.4
# is 0.1 x 16384 / 256: --auto-scale-lr must scale from 8 x 2048.
auto_scale_lr = dict(base_batch_size=16384)
