# Weighted k-NN (DINO protocol: k=20, T=0.07, L2-normalised features) of the
# MI-MAE ViT-B/16 backbone on ImageNet-1K: the 1.28 M training images are the
# prototypes (their features, 3.9 GB in fp32, are kept on each GPU), val is
# scored. Evaluation only:
#   tools/dist_test.sh configs/cls/mimae_vit-base-p16_knn-k20_in1k.py "" 8 \
#       --cfg-options model.image_encoder.init_cfg.checkpoint=CKPT
# The feature is the mean patch token after the pre-trained final norm (the
# pooling of the MI heads), as in the CPU config.
_base_ = [
    'mmpretrain::_base_/default_runtime.py',
    './_base_/mimae_strict_checkpoint.py'
]

data_root = 'data/imagenet'
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='ResizeEdge',
        scale=256,
        edge='short',
        backend='pillow',
        interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs')
]
prototype_dataloader = dict(
    batch_size=256,
    num_workers=8,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='ImageNet',
        data_root=data_root,
        split='train',
        pipeline=test_pipeline))
# The queries: the same loader over the val split.
test_dataloader = dict(
    prototype_dataloader,
    dataset=dict(prototype_dataloader['dataset'], split='val'))
test_evaluator = dict(type='Accuracy', topk=(1, 5))
test_cfg = dict()

model = dict(
    type='WeightedKNNClassifier',
    image_encoder=dict(
        type='VisionTransformer',
        arch='b',
        img_size=224,
        patch_size=16,
        out_type='avg_featmap',
        final_norm=True,
        init_cfg=dict(
            type='Pretrained',
            # The pre-training checkpoint (keys 'backbone.*'); another one:
            # --cfg-options model.image_encoder.init_cfg.checkpoint=PATH
            checkpoint=
            'work_dirs/mimae_vit-base-p16_8xb128-amp-coslr-400e_in1k/epoch_400.pth',
            prefix='backbone.')),
    prototype=prototype_dataloader,
    num_classes=1000,
    k=20,
    temperature=0.07,
    data_preprocessor=dict(
        num_classes=1000,
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True))
