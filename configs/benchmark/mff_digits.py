# Another MIM method in the suite (docs/adding_a_method.md): MMPretrain's MFF
# next to MAE and MI-MAE, on the mini-benchmark's data and tasks, with as
# many masked views per image (MFF and MAE: one mask, 40 epochs; MI-MAE: four
# masks, 10 epochs).
#   tools/benchmark.py configs/benchmark/mff_digits.py
_base_ = './mini_digits.py'

work_dir = 'work_dirs/benchmark/mff_digits'
arms = [
    dict(name='random'),
    dict(
        name='mae',
        config='configs/pretrain/mimae_vit-tiny-p4_1xb64-coslr-20e_digits.py',
        cfg_options={
            'model.backbone.num_masks': 1,
            'model.mi_max_head': None,
            'model.mi_min_head': None
        }),
    dict(
        name='mi-mae',
        config='configs/pretrain/mimae_vit-tiny-p4_1xb64-coslr-20e_digits.py'),
    dict(
        name='mff',
        config=
        'configs/pretrain/examples/mff_vit-tiny-p4_1xb64-coslr-20e_digits.py'),
]
# MFF's backbone has layer-fusion weights that only pre-training uses: the
# tasks' strict checkpoint check is told they may be left out (with the
# final norm that fine-tuning drops, the check's default).
task_cfg_options = {
    'custom_hooks.0.unused_keys': ['ln1.*', 'proj_layers.*', 'proj_weights']
}
