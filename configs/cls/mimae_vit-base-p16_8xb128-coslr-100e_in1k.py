# ImageNet-1K fine-tuning of the MI-MAE ViT-B/16 backbone: MMPretrain's MAE
# protocol unchanged (100 epochs, batch 1024, AdamW 2e-3, layer decay 0.65,
# drop path 0.1, mixup 0.8 / cutmix 1.0, RandAugment, random erasing 0.25,
# label smoothing 0.1), with the pre-training backbone loaded directly.
_base_ = [
    'mmpretrain::mae/benchmarks/vit-base-p16_8xb128-coslr-100e_in1k.py',
    './_base_/mimae_strict_checkpoint.py'
]

# MMPretrain's fine-tuning ViT (drop path 0.1, avg-pooled feature, no final
# norm) from the pre-training checkpoint (mmengine format, keys
# 'backbone.*'); another one: --cfg-options
# model.backbone.init_cfg.checkpoint=PATH.
model = dict(
    backbone=dict(
        init_cfg=dict(
            checkpoint=
            'work_dirs/mimae_vit-base-p16_8xb128-amp-coslr-400e_in1k/epoch_400.pth'
        )))

# Same layer-decay rule as MMPretrain's constructor; ours also serves the
# detection and segmentation configs.
optim_wrapper = dict(constructor='LayerDecayOptimWrapperConstructor')
