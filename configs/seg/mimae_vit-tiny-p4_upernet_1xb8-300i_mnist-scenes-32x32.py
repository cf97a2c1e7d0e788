# The mini-benchmark's segmentation task: the tiny UperNet fine-tuned end to
# end, as the paper fine-tunes it on ADE20K, on 100 labelled MNIST scenes in
# the ADE20K layout (tools/dataset_converters/digit_scenes.py
# data/mnist_scenes --objects mnist --num-train 100 --num-val 200; see the
# detection config of the same scenes). Label 0 is the unlabelled background
# (ignored after reduce_zero_label, as in ADE20K), 0-9 after the reduction
# the digits' regions.
#
# The whole backbone trains (layer decay 0.9, drop path 0.1): 300
# iterations of 8 images, AdamW 2e-3, the fine-tuning lr of the digit
# scenes' frozen-protocol study; not tuned on val.
_base_ = './mimae_vit-tiny-p4_upernet_1xb8-600i_digit-scenes-32x32.py'

data_root = 'data/mnist_scenes/ade/ADEChallengeData2016'

model = dict(backbone=dict(frozen_stages=-1, drop_path_rate=0.1))

train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(lr=2e-3))
max_iters = 300
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=20),
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=1.0,
        begin=30,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    checkpoint=dict(by_epoch=False, interval=max_iters, max_keep_ckpts=1))
