# MMPretrain's ViT at the size of the tiny pre-training config (4 layers,
# 64-d, patch 4 on 32 px) under a linear head for the ten digits, loading
# the MI-MAE checkpoint of `make demo` directly.
_base_ = '../mimae_strict_checkpoint.py'

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='VisionTransformer',
        arch=dict(
            embed_dims=64, num_layers=4, num_heads=4,
            feedforward_channels=256),
        img_size=32,
        patch_size=4,
        out_type='avg_featmap',
        final_norm=False,
        init_cfg=dict(
            type='Pretrained',
            # The pre-training checkpoint (keys 'backbone.*'); another one:
            # --cfg-options model.backbone.init_cfg.checkpoint=PATH
            checkpoint=
            'work_dirs/demo/pretrain/mi-mae/v8/seed0/work/epoch_2.pth',
            prefix='backbone.')),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=64,
        loss=dict(
            type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=2e-5)]))
