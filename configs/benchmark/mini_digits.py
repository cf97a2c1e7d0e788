# The digits suite (`make bench` until issue 17; now mini_mnist.py, since
# the raw pixels beat every encoder here): MI-MAE against MAE and the
# ablations on CPU, on real images that ship in scikit-learn. Every arm
# pre-trains the tiny ViT of `make demo` (4 layers, 64-d, patch 4, 32 px)
# on the digits' training images; a budget is a number of masked views per image (a K-mask
# arm runs budget / K epochs). MAE and MI-MAE run along a budget curve (8,
# 16 and 32 views per image), the ablations at its end. Equal views are read
# both ways: images per step (the paper's; a K-mask arm takes K times fewer
# steps, and MAE at 8 views is the equal-steps control of a K=4 arm at 32)
# and views per step (the `-vps` arms take 64 / K images a step: MAE's
# steps, views and FLOPs). Every checkpoint is evaluated by k-NN and a
# linear probe (each also on the raw pixels, the `pixels` arm), and at each
# arm's largest budget by fine-tuning, 10%-label fine-tuning, Mask R-CNN
# and UperNet (digit scenes). Random init is the floor.
#   tools/dataset_converters/digits_to_imagenet.py data/digits
#   tools/dataset_converters/digit_scenes.py data/digit_scenes
#   tools/benchmark.py configs/benchmark/mini_digits.py
work_dir = 'work_dirs/benchmark/mini_digits'
seeds = [0, 1, 2]
# Masked views per image of the arms without budgets of their own.
budgets = [32]
curve = [8, 16, 32]
batch_unit = 'images'
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
        budgets=curve,
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
    dict(name='mi-mae', config=pretrain_config, budgets=curve),
    dict(
        name='mae-k4-vps',
        config=pretrain_config,
        batch_unit='views',
        cfg_options=no_mi),
    dict(
        name='mi-mae-vps',
        config=pretrain_config,
        batch_unit='views',
        budgets=curve),
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
# The raw-input floor of the frozen tasks: the task with its encoder
# replaced by the pixels (same data, preprocessing, classifier, metric).
raw_pixels = dict(type='RawPixels')
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
        },
        raw_input={'model.image_encoder': raw_pixels}),
    dict(
        name='linear',
        metric='accuracy/top1',
        config=
        'configs/cls/mimae_vit-tiny-p4_1xb128-linear-coslr-30e_digits.py',
        cfg_options=cls_loaders,
        # The BN neck standardises each of the 3 x 32 x 32 pixels.
        raw_input={
            'model.backbone': raw_pixels,
            'model.neck.input_features': 3 * 32 * 32,
            'model.head.in_channels': 3 * 32 * 32
        }),
    dict(
        name='finetune',
        on_budgets='largest',
        metric='accuracy/top1',
        config='configs/cls/mimae_vit-tiny-p4_1xb64-coslr-10e_digits.py',
        cfg_options=cls_loaders),
    dict(
        name='lowshot-10pct',
        on_budgets='largest',
        metric='accuracy/top1',
        config='configs/cls/mimae_vit-tiny-p4_1xb64-coslr-30e_digits-10pct.py',
        cfg_options=cls_loaders),
    dict(
        name='det',
        on_budgets='largest',
        metric='coco/bbox_mAP',
        config=
        'configs/det/mimae_vit-tiny-p4_mask-rcnn_simplefpn_1xb8-400i_digit-scenes-32x32.py',
        cfg_options=cls_loaders),
    dict(
        name='seg',
        on_budgets='largest',
        metric='mIoU',
        config=
        'configs/seg/mimae_vit-tiny-p4_upernet_1xb8-600i_digit-scenes-32x32.py',
        cfg_options=cls_loaders),
]
