# The ablations of the mini-benchmark (mini_mnist.py), cut from `make bench`
# to fit its 75 minutes: MAE with K=4 orthogonal masks and no MI term,
# max-MI only and min-MI only, beside MAE and MI-MAE, all at 32 masked
# views per image (images per step), 3 seeds, with the same tasks (det and
# seg on every arm). It shares mini_mnist.py's work_dir: the random, MAE and
# MI-MAE cells at 32 views are the same cells and are not run again.
#   tools/benchmark.py configs/benchmark/mini_mnist_ablations.py
_base_ = './mini_mnist.py'

budgets = [32]
arms = [
    dict(name='random'),
    dict(_base_.arms[1], budgets=budgets),  # mae
    dict(
        name='mae-k4', config=_base_.pretrain_config,
        cfg_options=_base_.no_mi),
    dict(
        name='max-mi',
        config=_base_.pretrain_config,
        cfg_options={'model.mi_min_head': None}),
    dict(
        name='min-mi',
        config=_base_.pretrain_config,
        cfg_options={'model.mi_max_head': None}),
    dict(_base_.arms[2], budgets=budgets),  # mi-mae
]
tasks = [
    _base_.tasks[0],  # linear-10shot
    _base_.tasks[1],  # knn
    dict(_base_.tasks[2], on_arms=None),  # det
    dict(_base_.tasks[3], on_arms=None),  # seg
]
