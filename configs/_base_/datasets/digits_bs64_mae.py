# scikit-learn's handwritten digits in the ImageNet layout (built by
# tools/dataset_converters/digits_to_imagenet.py), for MAE-style
# pre-training at 32 px. Same preprocessing as ImageNet MAE; no flip, since
# mirrored digits are other symbols.
dataset_type = 'ImageNet'
data_root = 'data/digits/'
data_preprocessor = dict(
    type='SelfSupDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

train_pipeline = [
    dict(type='LoadImageFromFile'),
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
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        metainfo=dict(classes=[f'digit_{i}' for i in range(10)]),
        pipeline=train_pipeline))
