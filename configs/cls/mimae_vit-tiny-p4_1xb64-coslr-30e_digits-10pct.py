# Low-shot fine-tuning (10% of the digits' training labels, 143 images,
# stratified; the digits counterpart of MMPretrain's ImageNet 1% protocol):
# the fine-tuning recipe of the tiny config, trained for as many iterations
# as 3 epochs of the full set.
_base_ = './mimae_vit-tiny-p4_1xb64-coslr-10e_digits.py'

train_dataloader = dict(
    dataset=dict(split='train', ann_file='meta/train_10percent.txt'))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        by_epoch=True,
        begin=0,
        end=3,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=27,
        by_epoch=True,
        begin=3,
        end=30,
        eta_min=1e-6,
        convert_to_iter_based=True)
]
train_cfg = dict(by_epoch=True, max_epochs=30, val_interval=30)
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=30, max_keep_ckpts=1))
