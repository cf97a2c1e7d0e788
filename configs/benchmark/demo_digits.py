# `make demo`: the mini-benchmark cut to a few minutes. MAE against MI-MAE
# at 32 masked views per image (32 MAE epochs, 8 MI-MAE epochs of 4 masks),
# one seed, evaluated by k-NN and linear probe (both also on the raw pixels),
# Mask R-CNN and UperNet. One seed cannot show that a column measures
# pre-training (that needs 3): the table says so. Its MI-MAE checkpoint
# (work_dirs/demo/pretrain/mi-mae/v32/seed0/work/epoch_8.pth) is the default
# checkpoint of the tiny transfer configs.
_base_ = './mini_digits.py'

work_dir = 'work_dirs/demo'
seeds = [0]
only_arms = ['mae', 'mi-mae']
only_budgets = [32]
only_tasks = ['knn', 'linear', 'det', 'seg']
