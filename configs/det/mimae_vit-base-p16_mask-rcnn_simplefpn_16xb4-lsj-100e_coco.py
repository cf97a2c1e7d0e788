# COCO Mask R-CNN with the MI-MAE ViT-B/16 backbone: mmdet's ViTDet protocol
# (projects/ViTDet, not in the mmdet wheel): window attention (14) with
# global blocks 2/5/8/11 and decomposed relative position at 1024 px,
# SimpleFPN with channel-first LayerNorm, 4conv1fc box head and mask head
# with LN, large-scale jitter (0.1-2.0) to 1024 px, AdamW lr 1e-4 wd 0.1,
# layer decay 0.7, batch 64 (16 GPUs x 4), 184,375 iterations (100 epochs),
# AMP. The pre-training backbone is loaded directly.
# Differences from ViTDet's file: its Fp16 gradient-compression DDP hook is
# a project-only class (not in the wheel) and is left out; LayerNorm eps is
# 1e-6 (MAE's) where its config passed 1e-5; weight decay 0 on every '.ln'
# and pos_embed (ViTDet: backbone norms and pos_embed).
_base_ = [
    'mmdet::_base_/models/mask-rcnn_r50_fpn.py',
    'mmdet::common/lsj-100e_coco-instance.py',
]

# mimae.models.necks (SimpleFPN) is the one mimae module that needs mmdet.
custom_imports = dict(
    imports=['mimae', 'mimae.models.necks'], allow_failed_imports=False)
# mmengine's Pretrained init loads leniently; this refuses a checkpoint
# whose keys do not match the backbone, listing them.
custom_hooks = [dict(type='StrictPretrainedHook')]

image_size = (1024, 1024)
norm_cfg = dict(type='mmpretrain.LN2d', eps=1e-6)

model = dict(
    data_preprocessor=dict(
        pad_size_divisor=32,
        batch_augments=[
            dict(type='BatchFixedSizePad', size=image_size, pad_mask=True)
        ]),
    backbone=dict(
        _delete_=True,
        type='mmpretrain.ViTDet',
        arch='b',
        img_size=image_size[0],
        patch_size=16,
        drop_path_rate=0.1,
        window_size=14,
        global_attn_indexes=[2, 5, 8, 11],
        use_rel_pos=True,
        out_type='featmap',
        final_norm=False,
        init_cfg=dict(
            type='Pretrained',
            # The pre-training checkpoint (keys 'backbone.*'); another one:
            # --cfg-options model.backbone.init_cfg.checkpoint=PATH
            checkpoint='work_dirs/mimae_vit-base-p16_8xb128-amp-coslr-400e_in1k/epoch_400.pth',  # noqa: E501
            prefix='backbone.')),
    neck=dict(
        _delete_=True,
        type='SimpleFPN',
        backbone_channel=768,
        in_channels=[192, 384, 768, 768],
        out_channels=256,
        num_outs=5,
        norm_cfg=norm_cfg),
    rpn_head=dict(num_convs=2),
    roi_head=dict(
        bbox_head=dict(
            type='Shared4Conv1FCBBoxHead',
            conv_out_channels=256,
            norm_cfg=norm_cfg),
        mask_head=dict(norm_cfg=norm_cfg)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='RandomResize',
        scale=image_size,
        ratio_range=(0.1, 2.0),
        keep_ratio=True),
    dict(
        type='RandomCrop',
        crop_type='absolute_range',
        crop_size=image_size,
        recompute_bbox=True,
        allow_negative_crop=True),
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1e-2, 1e-2)),
    dict(type='Pad', size=image_size, pad_val=dict(img=(114, 114, 114))),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_size, keep_ratio=True),
    dict(type='Pad', size=image_size, pad_val=dict(img=(114, 114, 114))),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
train_dataloader = dict(
    batch_size=4,
    num_workers=8,
    dataset=dict(
        _delete_=True,
        type='CocoDataset',
        data_root='data/coco/',
        ann_file='annotations/instances_train2017.json',
        data_prefix=dict(img='train2017/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(
    _delete_=True,
    type='AmpOptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.1),
    constructor='LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.7,
        custom_keys={
            '.ln': dict(decay_mult=0.0),
            '.pos_embed': dict(decay_mult=0.0)
        }))

max_iters = 184375
interval = 5000
dynamic_intervals = [(max_iters // interval * interval + 1, max_iters)]
param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
        end=250),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_iters,
        by_epoch=False,
        milestones=[163889, 177546],
        gamma=0.1)
]
train_cfg = dict(
    _delete_=True,
    type='IterBasedTrainLoop',
    max_iters=max_iters,
    val_interval=interval,
    dynamic_intervals=dynamic_intervals)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        save_last=True,
        interval=interval,
        max_keep_ckpts=5))
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=False)
auto_scale_lr = dict(base_batch_size=64)
