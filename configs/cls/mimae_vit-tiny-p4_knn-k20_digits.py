# Weighted k-NN on frozen features (DINO / MMSelfSup protocol: k=20,
# T=0.07, L2-normalised features) for the tiny backbone of `make demo`, on
# the digits: every train image is a prototype, val is scored. Evaluation
# only, no training:
#   tools/test.py configs/cls/mimae_vit-tiny-p4_knn-k20_digits.py \
#       --cfg-options model.image_encoder.init_cfg.checkpoint=CKPT
# The feature is the mean of the patch tokens after the pre-trained final
# norm (the MI heads' pooling), standardised by a parameter-free LayerNorm.
_base_ = 'mmpretrain::_base_/default_runtime.py'

custom_imports = dict(imports=['mimae'], allow_failed_imports=False)
# mmengine's Pretrained init loads leniently; this refuses a checkpoint
# whose keys do not match the backbone, listing them.
custom_hooks = [dict(type='StrictPretrainedHook')]

data_root = 'data/digits/'
classes = [f'digit_{i}' for i in range(10)]
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]

prototype_dataloader = dict(
    batch_size=256,
    num_workers=2,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='ImageNet',
        data_root=data_root,
        split='train',
        metainfo=dict(classes=classes),
        pipeline=test_pipeline))
# The queries: the same loader over the val split.
test_dataloader = dict(
    prototype_dataloader,
    dataset=dict(prototype_dataloader['dataset'], split='val'))

model = dict(
    type='WeightedKNNClassifier',
    image_encoder=dict(
        type='VisionTransformer',
        arch=dict(
            embed_dims=64, num_layers=4, num_heads=4,
            feedforward_channels=256),
        img_size=32,
        patch_size=4,
        out_type='avg_featmap',
        final_norm=True,
        init_cfg=dict(
            type='Pretrained',
            # The pre-training checkpoint (keys 'backbone.*'); another one:
            # --cfg-options model.image_encoder.init_cfg.checkpoint=PATH
            checkpoint='work_dirs/demo/pretrain/mi-mae/seed0/work/epoch_10.pth',  # noqa: E501
            prefix='backbone.')),
    # The prototypes are the training images, read without augmentation.
    prototype=prototype_dataloader,
    num_classes=10,
    k=20,
    temperature=0.07,
    data_preprocessor=dict(
        num_classes=10,
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True))

test_evaluator = dict(type='Accuracy', topk=(1, ))
test_cfg = dict()
