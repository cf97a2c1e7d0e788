# The ViTDet Mask R-CNN protocol at CPU scale, for tests and a quick look:
# the tiny backbone of `make demo` (4 layers, 64-d, patch 4) with window
# attention (4) and relative position on 64 px large-scale-jitter crops of a
# COCO-layout dataset. Patch 4 puts the SimpleFPN levels at strides 1-16,
# so the anchor and RoI strides follow.
_base_ = './mimae_vit-base-p16_mask-rcnn_simplefpn_16xb4-lsj-100e_coco.py'

image_size = (64, 64)
strides = [1, 2, 4, 8, 16]
classes = ('digit_0', 'digit_1', 'digit_2')
data_root = 'data/coco/'

model = dict(
    data_preprocessor=dict(batch_augments=[
        dict(type='BatchFixedSizePad', size=image_size, pad_mask=True)
    ]),
    backbone=dict(
        arch=dict(
            _delete_=True,
            embed_dims=64,
            num_layers=4,
            num_heads=4,
            feedforward_channels=256),
        img_size=image_size[0],
        patch_size=4,
        window_size=4,
        global_attn_indexes=[1, 3],
        # The demo's MI-MAE checkpoint (make demo).
        init_cfg=dict(
            checkpoint=
            'work_dirs/demo/pretrain/mi-mae/v8/seed0/work/epoch_2.pth')),
    neck=dict(
        backbone_channel=64, in_channels=[16, 32, 64, 64], out_channels=32),
    rpn_head=dict(
        in_channels=32,
        feat_channels=32,
        anchor_generator=dict(scales=[4], strides=strides)),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=32, featmap_strides=strides[:4]),
        bbox_head=dict(
            in_channels=32,
            conv_out_channels=32,
            fc_out_channels=64,
            num_classes=len(classes)),
        mask_roi_extractor=dict(out_channels=32, featmap_strides=strides[:4]),
        mask_head=dict(
            in_channels=32, conv_out_channels=32, num_classes=len(classes))))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='RandomResize',
        scale=image_size,
        ratio_range=(0.5, 2.0),
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
# No test-time Pad (ViTDet's has one): it makes img_shape the padded size,
# so boxes are clipped to the padding, and mmdet's CPU mask pasting
# (skip_empty) fails on a box that lies wholly outside the image. The data
# preprocessor pads to a multiple of 32 anyway.
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_size, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    dataset=dict(
        data_root=data_root,
        metainfo=dict(classes=classes),
        filter_cfg=dict(filter_empty_gt=True, min_size=8),
        pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=2,
    dataset=dict(
        data_root=data_root,
        metainfo=dict(classes=classes),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val2017.json')
test_evaluator = val_evaluator

# AMP needs a GPU in mmengine.
optim_wrapper = dict(type='OptimWrapper')
max_iters = 200
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=20),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_iters,
        by_epoch=False,
        milestones=[160, 180],
        gamma=0.1)
]
train_cfg = dict(max_iters=max_iters, val_interval=100, dynamic_intervals=None)
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=100))
log_processor = dict(window_size=10)
