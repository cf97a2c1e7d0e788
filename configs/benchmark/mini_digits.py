# The mini-benchmark (`make bench`): MI-MAE against MAE and the ablations on
# CPU, on real images that ship in scikit-learn. Every arm pre-trains the
# tiny ViT of `make demo` (4 layers, 64-d, patch 4, 32 px) on the digits'
# training images with as many masked views per image (equal-views rule:
# a K-mask arm runs 40 / K epochs), then every checkpoint is evaluated by
# k-NN, a linear probe, fine-tuning, 10%-label fine-tuning (digits), Mask
# R-CNN (digit scenes, COCO layout) and UperNet (digit scenes, ADE20K
# layout). The random arm (no pre-training) is the floor.
#   tools/dataset_converters/digits_to_imagenet.py data/digits
#   tools/dataset_converters/digit_scenes.py data/digit_scenes
#   tools/benchmark.py configs/benchmark/mini_digits.py
work_dir = 'work_dirs/benchmark/mini_digits'
seeds = [0, 1, 2]
pretrain_epochs = 40
reference_arm = 'mae'
# Two cells at a time, one core each: these small models use two threads
# poorly, so two single-threaded runs finish sooner than two in turn.
launcher = dict(type='local', jobs=2)

pretrain_config = 'configs/pretrain/mimae_vit-tiny-p4_1xb64-coslr-20e_digits.py'
no_mi = {'model.mi_max_head': None, 'model.mi_min_head': None}
arms = [
    dict(name='random'),
    # MI-MAE with one mask and no MI terms is MMPretrain's MAE (tested to
    # 1e-6 in tests/test_models/test_selfsup/test_mimae.py).
    dict(
        name='mae',
        config=pretrain_config,
        cfg_options={
            'model.backbone.num_masks': 1,
            **no_mi
        }),
    dict(name='mae-k4', config=pretrain_config, cfg_options=no_mi),
    dict(
        name='max-mi',
        config=pretrain_config,
        cfg_options={'model.mi_min_head': None}),
    dict(
        name='min-mi',
        config=pretrain_config,
        cfg_options={'model.mi_max_head': None}),
    dict(name='mi-mae', config=pretrain_config),
]
# Data loading in the main process: the images are tiny, and worker
# processes would cost more to start than they save.
pretrain_cfg_options = {
    'train_dataloader.num_workers': 0,
    'train_dataloader.persistent_workers': False,
}
cls_loaders = {
    'train_dataloader.num_workers': 0,
    'train_dataloader.persistent_workers': False,
    'val_dataloader.num_workers': 0,
    'val_dataloader.persistent_workers': False,
}
tasks = [
    dict(
        name='knn',
        mode='test',
        metric='accuracy/top1',
        config='configs/cls/mimae_vit-tiny-p4_knn-k20_digits.py',
        init_cfg_key='model.image_encoder.init_cfg',
        cfg_options={
            'test_dataloader.num_workers': 0,
            'model.prototype.num_workers': 0
        }),
    dict(
        name='linear',
        metric='accuracy/top1',
        config=
        'configs/cls/mimae_vit-tiny-p4_1xb128-linear-coslr-30e_digits.py',
        cfg_options=cls_loaders),
    dict(
        name='finetune',
        metric='accuracy/top1',
        config='configs/cls/mimae_vit-tiny-p4_1xb64-coslr-10e_digits.py',
        cfg_options=cls_loaders),
    dict(
        name='lowshot-10pct',
        metric='accuracy/top1',
        config='configs/cls/mimae_vit-tiny-p4_1xb64-coslr-30e_digits-10pct.py',
        cfg_options=cls_loaders),
    dict(
        name='det',
        metric='coco/bbox_mAP',
        config=
        'configs/det/mimae_vit-tiny-p4_mask-rcnn_simplefpn_1xb8-400i_digit-scenes-32x32.py',
        cfg_options=cls_loaders),
    dict(
        name='seg',
        metric='mIoU',
        config=
        'configs/seg/mimae_vit-tiny-p4_upernet_1xb8-600i_digit-scenes-32x32.py',
        cfg_options=cls_loaders),
]
