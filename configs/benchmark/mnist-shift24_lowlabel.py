# The data check of configs/benchmark/mnist_lowlabel.py on the translated
# MNIST scans (24 px at seeded random positions on 32 px), where a linear
# classifier on the raw pixels is weak. Same arms, budget, seeds and tasks.
#   tools/dataset_converters/mnist_to_imagenet.py data/mnist-shift24 \
#       --digit-size 24
#   tools/benchmark.py configs/benchmark/mnist-shift24_lowlabel.py
_base_ = './mnist_lowlabel.py'

work_dir = 'work_dirs/benchmark/mnist-shift24_lowlabel'

# Every config is the translated-scan variant of mnist_lowlabel.py's
# (`_mnist` -> `_mnist-shift24`). The arms are those of the run in
# docs/results/mnist-shift24_lowlabel.md: not the views-per-step arm, which
# was added to mnist_lowlabel.py afterwards.
arms = [
    dict(arm, config=arm['config'].replace('_mnist', '_mnist-shift24'))
    if 'config' in arm else arm for arm in _base_.arms
    if arm['name'] != 'mi-mae-vps'
]
tasks = [
    dict(task, config=task['config'].replace('_mnist', '_mnist-shift24'))
    for task in _base_.tasks
]
