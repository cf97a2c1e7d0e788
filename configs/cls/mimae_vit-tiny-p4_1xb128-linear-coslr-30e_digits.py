# Linear probe of the tiny backbone of `make demo` on the digits: MMPretrain's
# MAE linear protocol (frozen backbone, BatchNorm neck without affine, no
# weight decay, cosine after a warm-up) at CPU scale, 30 epochs. The feature
# is the k-NN one: mean patch token after the pre-trained final norm (the MI
# heads' pooling).
# Optimiser: MAE's LARS at its linearly scaled lr (6.4 x 128 / 16384 = 0.05)
# stays at chance in 330 iterations, so SGD (momentum 0.9) was chosen on the
# validation split carved from the training images (meta/sweep_{train,val},
# never on val), from a 5-epoch MI-MAE checkpoint: lr 1.0 -> 93.4% top-1,
# lr 0.1 -> 88.9% (tools/train.py THIS_CONFIG --cfg-options
# optim_wrapper.optimizer.type=SGD optim_wrapper.optimizer.lr=LR
# train_dataloader.dataset.ann_file=meta/sweep_train.txt
# val_dataloader.dataset.split=train
# val_dataloader.dataset.ann_file=meta/sweep_val.txt
# model.backbone.init_cfg.checkpoint=CKPT, the checkpoint from
# tools/train.py configs/pretrain/mimae_vit-tiny-p4_1xb64-coslr-20e_digits.py
# --cfg-options train_cfg.max_epochs=5 with lambda 0.1/0.1).
_base_ = './mimae_vit-tiny-p4_1xb64-coslr-10e_digits.py'

model = dict(
    backbone=dict(
        frozen_stages=4,
        drop_path_rate=0.0,
        out_type='avg_featmap',
        final_norm=True),
    neck=dict(type='ClsBatchNormNeck', input_features=64),
    head=dict(
        loss=dict(_delete_=True, type='CrossEntropyLoss', loss_weight=1.0),
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=0.01)]))

train_dataloader = dict(batch_size=128)

optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=1.0, weight_decay=0.0, momentum=0.9))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-4,
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
        eta_min=0.0,
        convert_to_iter_based=True)
]
train_cfg = dict(by_epoch=True, max_epochs=30, val_interval=30)
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=30, max_keep_ckpts=1))
