# A tiny MI-MAE that pre-trains on one CPU in a few minutes: the demo run and
# the test suite use it. 32 px digits, patch 4 (64 patches), K=4 masks of 16
# visible patches, a 4-layer 64-d ViT and a 2-layer 64-d decoder.
_base_ = [
    '../_base_/models/mimae_vit-base-p16.py',
    '../_base_/datasets/digits_bs64_mae.py',
    'mmpretrain::_base_/default_runtime.py',
]

model = dict(
    backbone=dict(
        arch=dict(
            _delete_=True,
            embed_dims=64, num_layers=4, num_heads=4,
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

# Plain OptimWrapper: AMP needs a GPU in mmengine.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1.5e-3, betas=(0.9, 0.95), weight_decay=0.05),
    paramwise_cfg=dict(
        custom_keys={
            'ln': dict(decay_mult=0.0),
            'bias': dict(decay_mult=0.0),
            'pos_embed': dict(decay_mult=0.),
            'mask_token': dict(decay_mult=0.),
            'cls_token': dict(decay_mult=0.)
        }))

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

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=20)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=2))
randomness = dict(seed=0, diff_rank_seed=True)
