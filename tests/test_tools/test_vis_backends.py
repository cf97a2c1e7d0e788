"""--vis-backend: the run's scalars reach TensorBoard (read back from the
event file), and the other backends are configured the same way."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from tests_support import REPO_ROOT, run_tool

from mimae.runner_config import add_vis_backends

TINY = 'configs/pretrain/mimae_vit-tiny-p4_1xb64-coslr-20e_digits.py'


def test_tensorboard_receives_the_mi_diagnostics(digits_root, tmp_path):
    run_tool([
        'tools/train.py', TINY, '--work-dir', tmp_path, '--vis-backend',
        'tensorboard', '--cfg-options',
        f'train_dataloader.dataset.data_root={digits_root}',
        'train_dataloader.dataset.ann_file=meta/train_10percent.txt',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False', 'train_cfg.max_epochs=1',
        'default_hooks.logger.interval=1'
    ])
    events = glob.glob(
        osp.join(tmp_path, '*', 'vis_data', 'events.out.tfevents.*'))
    assert len(events) == 1
    from tensorboard.backend.event_processing.event_accumulator import \
        EventAccumulator
    scalars = EventAccumulator(events[0])
    scalars.Reload()
    tags = set(scalars.Tags()['scalars'])
    for tag in ('loss', 'loss_rec', 'loss_mi_max', 'loss_mi_min', 'loss_est',
                'mi_max_acc', 'mi_max_bound', 'mi_min_club', 'lr'):
        assert tag in tags, sorted(tags)
    # One point per iteration (logger interval 1, 3 iterations).
    assert [e.step for e in scalars.Scalars('mi_max_acc')] == [1, 2, 3]
    assert all(e.value == e.value for e in scalars.Scalars('mi_min_club'))


@pytest.mark.parametrize('config', [
    TINY, 'configs/det/mimae_vit-base-p16_mask-rcnn_simplefpn_16xb4-lsj-'
    '100e_coco.py',
    'configs/seg/mimae_vit-base-p16_upernet_8xb2-amp-160k_ade20k-512x512.py'
])
def test_backends_join_the_config_visualizer(config):
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    kind = cfg.visualizer.type
    local = list(cfg.visualizer.vis_backends)
    add_vis_backends(cfg, ['tensorboard', 'wandb', 'mlflow'])
    assert cfg.visualizer.type == kind  # MMPretrain's, MMDet's, MMSeg's
    assert [
        b['type'] for b in cfg.visualizer.vis_backends
    ] == [b['type'] for b in local
          ] + ['TensorboardVisBackend', 'WandbVisBackend', 'MLflowVisBackend']


def test_unknown_backend_is_refused():
    cfg = Config(dict(visualizer=dict(type='Visualizer')))
    with pytest.raises(ValueError, match="unknown visualization backend"):
        add_vis_backends(cfg, ['visdom'])


def test_the_benchmark_passes_the_backend_to_every_cell():
    out = run_tool([
        'tools/benchmark.py', 'configs/benchmark/demo_mnist.py', '--dry-run',
        '--vis-backend', 'tensorboard'
    ]).stdout
    commands = [
        line for line in out.splitlines()
        if line.split(' ')[0].endswith('python')
    ]
    # 2 pre-trainings + 2 arms x 2 tasks (linear probe, seg) and the
    # pixels arm on the linear probe.
    assert len(commands) == 7
    assert all(c.endswith('--vis-backend tensorboard') for c in commands)
