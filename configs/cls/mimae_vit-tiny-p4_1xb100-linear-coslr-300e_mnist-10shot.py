# Low-label linear probe on MNIST: the linear recipe trained on 10 labelled
# images per class (meta/train_10shot.txt, one batch of 100 an epoch) for
# 300 epochs, 300 steps (the full-label probe takes 960), scored on the 1000
# val images. Same optimiser and lr; warm-up and cosine scaled to the epochs.
_base_ = './mimae_vit-tiny-p4_1xb128-linear-coslr-30e_mnist.py'

train_dataloader = dict(
    batch_size=100,
    dataset=dict(split='train', ann_file='meta/train_10shot.txt'))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-4,
        by_epoch=True,
        begin=0,
        end=30,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=270,
        by_epoch=True,
        begin=30,
        end=300,
        eta_min=0.0,
        convert_to_iter_based=True)
]
train_cfg = dict(by_epoch=True, max_epochs=300, val_interval=300)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(type='CheckpointHook', interval=300, max_keep_ckpts=1))
