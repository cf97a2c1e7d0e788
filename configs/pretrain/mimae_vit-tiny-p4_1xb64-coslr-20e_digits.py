# A tiny MI-MAE that pre-trains on one CPU in a few minutes: the demo run, the
# mini-benchmark and the test suite use it. The ViT-B config scaled down:
# 32 px digits (tools/dataset_converters/digits_to_imagenet.py), patch 4
# (64 patches), K=4 masks of 16 visible patches, a 4-layer 64-d ViT and a
# 2-layer 64-d decoder, 20 epochs of 64 images, fp32 (AMP needs a GPU in
# mmengine).
_base_ = './mimae_vit-base-p16_8xb128-amp-coslr-400e_in1k.py'

model = dict(
    backbone=dict(
        arch=dict(
            _delete_=True,
            embed_dims=64,
            num_layers=4,
            num_heads=4,
            feedforward_channels=256),
        img_size=32,
        patch_size=4),
    neck=dict(
        num_patches=64,
        patch_size=4,
        embed_dim=64,
        decoder_embed_dim=64,
        decoder_depth=2,
        decoder_num_heads=4),
    head=dict(patch_size=4),
    mi_max_head=dict(hid_channels=256, out_channels=64),
    mi_min_head=dict(hid_channels=128))

data_root = 'data/digits/'
train_pipeline = [
    # Exact resume and checked loading: see the ViT-B config.
    dict(type='SeedSample'),
    dict(type='LoadImageFromFileChecked'),
    dict(
        type='RandomResizedCrop',
        scale=32,
        crop_ratio_range=(0.5, 1.0),
        backend='pillow',
        interpolation='bicubic'),
    dict(type='PackInputs')
]
train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    dataset=dict(
        data_root=data_root,
        metainfo=dict(classes=[f'digit_{i}' for i in range(10)]),
        pipeline=train_pipeline))

optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW',
        lr=1.5e-3,
        betas=(0.9, 0.95),
        weight_decay=0.05,
        fused=True),
    paramwise_cfg={{_base_.optim_wrapper.paramwise_cfg}})

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        by_epoch=True,
        begin=0,
        end=2,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=18,
        by_epoch=True,
        begin=2,
        end=20,
        convert_to_iter_based=True)
]

train_cfg = dict(max_epochs=20)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(interval=5, max_keep_ckpts=2))
# A fresh run per work_dir (the ImageNet config resumes automatically).
resume = False
