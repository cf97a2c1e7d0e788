# The UperNet protocol at CPU scale, for tests and a quick look: the tiny
# backbone of `make demo` (4 layers, 64-d, patch 4) on 64 px crops of an
# ADE20K-layout dataset, BN instead of SyncBN (SyncBN needs GPUs).
_base_ = './mimae_vit-base-p16_upernet_8xb2-amp-160k_ade20k-512x512.py'

crop_size = (64, 64)
norm_cfg = dict(type='BN', requires_grad=True)

model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        arch=dict(
            _delete_=True,
            embed_dims=64,
            num_layers=4,
            num_heads=4,
            feedforward_channels=256),
        img_size=64,
        patch_size=4,
        out_indices=[0, 1, 2, 3],
        # The demo's MI-MAE checkpoint (make demo).
        init_cfg=dict(
            checkpoint=
            'work_dirs/demo/pretrain/mi-mae/v8/seed0/work/epoch_2.pth')),
    neck=dict(embed_dim=64, norm_cfg=norm_cfg),
    decode_head=dict(in_channels=[64] * 4, channels=32, norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=64, channels=16, norm_cfg=norm_cfg),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(43, 43)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(
        type='RandomResize',
        scale=(128, 64),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(128, 64), keep_ratio=True),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=2, num_workers=2, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(num_workers=2, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

# AMP needs a GPU in mmengine.
optim_wrapper = dict(type='OptimWrapper')
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=50),
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=1.0,
        begin=50,
        end=1000,
        by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=1000, val_interval=500)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=500))
