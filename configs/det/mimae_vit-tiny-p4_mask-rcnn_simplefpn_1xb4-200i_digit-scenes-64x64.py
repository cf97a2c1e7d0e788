# The mini-benchmark's detection task: the tiny ViTDet Mask R-CNN on the
# digit scenes (64 px photo crops with 2-3 real handwritten digits, ten
# classes, per-digit instance masks; tools/dataset_converters/digit_scenes.py)
# in the COCO layout. Telling the ten digits apart is what pre-training on
# the digits can help with. A short CPU schedule: 200 iterations of 4
# images, AdamW 2e-4 (ViTDet's 1e-4 at batch 64, raised for the short run),
# milder scale jitter (0.8-1.25) than LSJ's 0.5-2.0, and proposal and RoI
# budgets cut to the scale of a 64 px scene with at most 3 objects (COCO's
# 2000 proposals and 512 RoIs per image make a CPU step 10x slower).
_base_ = './mimae_vit-tiny-p4_mask-rcnn_simplefpn_1xb2-lsj-200i_coco-64x64.py'

classes = tuple(f'digit_{i}' for i in range(10))
data_root = 'data/digit_scenes/coco/'
image_size = (64, 64)

model = dict(
    roi_head=dict(
        bbox_head=dict(num_classes=len(classes)),
        mask_head=dict(num_classes=len(classes))),
    train_cfg=dict(
        rpn=dict(sampler=dict(num=64)),
        rpn_proposal=dict(nms_pre=200, max_per_img=100),
        rcnn=dict(sampler=dict(num=64))),
    test_cfg=dict(
        rpn=dict(nms_pre=200, max_per_img=100),
        rcnn=dict(max_per_img=20)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(
        type='RandomResize',
        scale=image_size,
        ratio_range=(0.8, 1.25),
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
train_dataloader = dict(
    batch_size=4,
    dataset=dict(
        data_root=data_root,
        metainfo=dict(classes=classes),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    dataset=dict(data_root=data_root, metainfo=dict(classes=classes)))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val2017.json')
test_evaluator = val_evaluator

optim_wrapper = dict(optimizer=dict(lr=2e-4))
max_iters = 200
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
         end=20),
    dict(type='MultiStepLR', begin=0, end=max_iters, by_epoch=False,
         milestones=[160, 180], gamma=0.1)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters, max_keep_ckpts=1))
