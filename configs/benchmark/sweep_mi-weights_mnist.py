# Choosing lambda_max and lambda_min again (issue 17, item 6), on MNIST's
# sweep split, never on the reported val scans: every arm pre-trains on
# meta/sweep_train.txt (2000 of the 4000 train scans, stratified) and is
# scored on the other half (meta/sweep_val.txt) by
# - linear-10shot: the linear probe trained on 10 labels per class of
#   sweep_train (meta/sweep_train_10shot.txt), the column of make bench that
#   measures pre-training;
# - seg: UperNet fine-tuned end to end on 100 scenes made from sweep_train's
#   scans, scored on 200 scenes from sweep_val's (digit_scenes.py --sweep).
# At 32 masked views per image (where MAE has left its plateau:
# docs/results/mini_mnist.md), 64 images a step, 3 seeds. The grid, chosen
# from the encoder-gradient ratios at lambda 1/1 (InfoNCE about 30x
# reconstruction's, CLUB about 2x; docs/results/min_mi.md):
# - max1-min1, the current default; max0.1-min1 and max0.1-min0.1, InfoNCE
#   (and CLUB) scaled down tenfold;
# - mocov3-min1: MoCo v3's loss, temperature 0.2 and the loss scaled by
#   2 tau (lambda_max 0.4);
# - mae-k4 (lambda 0/0, the 4 masks without MI) and MAE (one mask), the
#   no-MI references; random init and the raw pixels, the floors.
# The rule, fixed before the run: an arm's score is, seed by seed, the mean
# of its linear-10shot top-1 and seg mIoU, then the mean over the 3 seeds
# (tools/analysis_tools/rank_arms.py RESULTS --tasks linear-10shot seg).
# The MI arm (lambda_max > 0 and lambda_min > 0) with the highest score
# gives the defaults of configs/pretrain; where mae-k4 or MAE scores above
# it, the README says so.
#   tools/dataset_converters/mnist_to_imagenet.py data/mnist
#   tools/dataset_converters/digit_scenes.py data/mnist_scenes_sweep \
#       --objects mnist --num-train 100 --num-val 200 --sweep
#   tools/benchmark.py configs/benchmark/sweep_mi-weights_mnist.py
_base_ = './mini_mnist.py'

work_dir = 'work_dirs/benchmark/sweep_mi-weights_mnist'
budgets = [32]
pretrain = _base_.pretrain_config
arms = [
    dict(name='random'),
    dict(_base_.arms[1], budgets=None),  # mae, at the suite's budget
    dict(name='mae-k4', config=pretrain, cfg_options=_base_.no_mi),
] + [
    dict(
        name=f'max{lmax}-min{lmin}',
        config=pretrain,
        cfg_options={
            'model.mi_max_head.loss.loss_weight': lmax,
            'model.mi_min_head.loss_weight': lmin
        }) for lmax, lmin in [(1.0, 1.0), (0.1, 1.0), (0.1, 0.1)]
] + [
    dict(
        name='mocov3-min1',
        config=pretrain,
        cfg_options={
            'model.mi_max_head.temperature': 0.2,
            'model.mi_max_head.loss.loss_weight': 0.4,
            'model.mi_min_head.loss_weight': 1.0
        }),
]
pretrain_cfg_options = dict(
    _base_.pretrain_cfg_options,
    **{'train_dataloader.dataset.ann_file': 'meta/sweep_train.txt'})
# Scored on sweep_val: the val loader reads the train folder's other half.
sweep_val = {
    'val_dataloader.dataset.split': 'train',
    'val_dataloader.dataset.ann_file': 'meta/sweep_val.txt',
    'train_dataloader.dataset.ann_file': 'meta/sweep_train_10shot.txt',
}
scenes = 'data/mnist_scenes_sweep/ade/ADEChallengeData2016'
tasks = [
    dict(
        _base_.tasks[0],
        cfg_options=dict(_base_.tasks[0].cfg_options, **sweep_val)),
    dict(
        _base_.tasks[3],
        on_budgets='all',
        on_arms=None,
        cfg_options=dict(
            _base_.tasks[3].cfg_options, **{
                'train_dataloader.dataset.data_root': scenes,
                'val_dataloader.dataset.data_root': scenes,
                'test_dataloader.dataset.data_root': scenes
            })),
]
