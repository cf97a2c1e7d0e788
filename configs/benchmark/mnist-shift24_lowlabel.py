# The data check of configs/benchmark/mnist_lowlabel.py on the translated
# MNIST scans (24 px at seeded random positions on 32 px), where a linear
# classifier on the raw pixels is weak. Same arms, budget, seeds and tasks.
#   tools/dataset_converters/mnist_to_imagenet.py data/mnist-shift24 \
#       --digit-size 24
#   tools/benchmark.py configs/benchmark/mnist-shift24_lowlabel.py
_base_ = './mnist_lowlabel.py'

work_dir = 'work_dirs/benchmark/mnist-shift24_lowlabel'
pretrain_config = (
    'configs/pretrain/mimae_vit-tiny-p4_1xb64-coslr-20e_mnist-shift24.py')
no_mi = {'model.mi_max_head': None, 'model.mi_min_head': None}
arms = [
    dict(name='random'),
    dict(
        name='mae',
        config=pretrain_config,
        cfg_options={
            'model.backbone.num_masks': 1,
            **no_mi
        }),
    dict(name='mi-mae', config=pretrain_config),
]
knn_options = {
    'test_dataloader.num_workers': 0,
    'model.prototype.num_workers': 0
}
raw_pixels = dict(type='RawPixels')
tasks = [
    dict(
        name='knn-10shot',
        mode='test',
        metric='accuracy/top1',
        config='configs/cls/mimae_vit-tiny-p4_knn-k20_mnist-shift24-10shot.py',
        init_cfg_key='model.image_encoder.init_cfg',
        cfg_options=knn_options,
        raw_input={'model.image_encoder': raw_pixels}),
    dict(
        name='linear-10shot',
        metric='accuracy/top1',
        config='configs/cls/'
        'mimae_vit-tiny-p4_1xb100-linear-coslr-300e_mnist-shift24-10shot.py',
        cfg_options={{_base_.cls_loaders}},
        raw_input={{_base_.linear_pixels}}),
    dict(
        name='knn',
        mode='test',
        metric='accuracy/top1',
        config='configs/cls/mimae_vit-tiny-p4_knn-k20_mnist-shift24.py',
        init_cfg_key='model.image_encoder.init_cfg',
        cfg_options=knn_options,
        raw_input={'model.image_encoder': raw_pixels}),
]
