# Does the min-MI approximation network q fit its target? (issue 17, item 5)
# The demo's MI-MAE (32 masked views per image: 8 epochs of 4 masks on the
# digits) with the min-MI head as configured (tanh mapped onto logvar in
# (-8, 8), z standardised by its batch statistics) and with the CLUB
# reference head (logvar = tanh, z as it is). Each pre-training logs q's
# held-out NLL (mi_min_nll) beside a Gaussian that ignores x
# (mi_min_nll_gauss), R^2 of q's mean and the logvar entries at a bound; the
# checkpoints then go to tools/analysis_tools/mi_gradients.py.
#   tools/benchmark.py configs/benchmark/min_mi_fit_digits.py
_base_ = './mini_digits.py'

work_dir = 'work_dirs/benchmark/min_mi_fit_digits'
seeds = [0]
reference_arm = 'mi-mae'
arms = [
    dict(name='mi-mae', config={{_base_.pretrain_config}}),
    dict(
        name='mi-mae-clubref',
        config={{_base_.pretrain_config}},
        cfg_options={
            'model.mi_min_head.logvar_range': (-1., 1.),
            'model.mi_min_head.standardize': False
        }),
]
only_tasks = ['knn']
