# `make demo`: the mini-benchmark cut to a few minutes. MAE against MI-MAE
# (equal views: 40 MAE epochs, 10 MI-MAE epochs of 4 masks), one seed,
# evaluated by k-NN, linear probe, Mask R-CNN and UperNet. Its MI-MAE
# checkpoint (work_dirs/demo/pretrain/mi-mae/seed0/work/epoch_10.pth) is the
# default checkpoint of the tiny transfer configs.
_base_ = './mini_digits.py'

work_dir = 'work_dirs/demo'
seeds = [0]
only_arms = ['mae', 'mi-mae']
only_tasks = ['knn', 'linear', 'det', 'seg']
