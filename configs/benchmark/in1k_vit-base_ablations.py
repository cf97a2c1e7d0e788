# The ablations of the full-scale comparison at ViT-B scale, as the
# mini-benchmark has them: MAE with 4 masks and no MI term, max-MI only and
# min-MI only, beside configs/benchmark/in1k_vit-base.py's random init (the
# floor), MAE (1600 epochs) and MI-MAE (400 epochs x 4 masks).
# Every K=4 arm runs 400 epochs, as many masked views per image as MAE's
# 1600 (equal-views rule), with the MI-MAE batch and recipe
# (configs/pretrain/ablation/); the arms with the max-MI head keep its
# SyncBN projector.
#   tools/benchmark.py configs/benchmark/in1k_vit-base_ablations.py --dry-run
#   tools/benchmark.py configs/benchmark/in1k_vit-base_ablations.py
# A file of its own so that the paper's comparison stays a job of two
# pre-trainings: this one adds three more of MI-MAE's cost and 18 task
# cells. Same work_dir, tasks, seeds and launcher as the main suite: the
# cells the main suite has finished (random, mae, mi-mae) are reused, not run
# again, and the report here is the main one with the ablation rows added.
_base_ = './in1k_vit-base.py'

ablation = 'configs/pretrain/ablation/mimae-k4-{}_vit-base-p16_8xb128-amp-' \
    'coslr-400e_in1k.py'
arms = [
    *_base_.arms,
    dict(name='mae-k4', config=ablation.format('nomi')),
    dict(name='max-mi', config=ablation.format('maxmi')),
    dict(name='min-mi', config=ablation.format('minmi')),
]
