# The mini-benchmark's segmentation task: the tiny UperNet on the digit
# scenes (64 px photo crops with 2-3 real handwritten digits;
# tools/dataset_converters/digit_scenes.py) in the ADE20K layout. After ADE's
# reduce_zero_label, class 0 is the photo background and 1-10 the ink of
# digits 0-9, so mIoU rewards naming each stroke's digit, which pre-training
# on the digits can help with. A short CPU schedule: 200 iterations of 8
# images at lr 2e-3 with layer decay 0.9 (mmseg's 1e-4 and 0.65 are for 160k
# iterations; at 1e-4 the loss barely moved in 300), whole-image test (the
# scenes are the crop size).
_base_ = './mimae_vit-tiny-p4_upernet_1xb2-1k_ade20k-64x64.py'

data_root = 'data/digit_scenes/ade/ADEChallengeData2016'
crop_size = (64, 64)
num_classes = 11

model = dict(
    decode_head=dict(num_classes=num_classes),
    auxiliary_head=dict(num_classes=num_classes),
    test_cfg=dict(_delete_=True, mode='whole'))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(
        type='RandomResize',
        scale=crop_size,
        ratio_range=(0.8, 1.25),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=8,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(
    optimizer=dict(lr=2e-3), paramwise_cfg=dict(layer_decay_rate=0.9))
max_iters = 200
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=20),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=30, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    checkpoint=dict(by_epoch=False, interval=max_iters, max_keep_ckpts=1))
