"""tools/benchmark.py end to end: the mini-benchmark suite, cut to seconds.

Every task of ``configs/benchmark/mini_digits.py`` runs for real on random
init, the raw pixels, MAE and MI-MAE at two budgets, in both batch units
(one seed, a few iterations per cell, small data subsets; the ablation arms
are the same code path with a head set to None), the suite is killed midway
and resumed, and the results must hold every run and task with the
validity marks. The full-scale suite is checked by its dry run.
"""
import functools
import json
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import time

import pytest
from mmengine.config import Config
from tests_support import REPO_ROOT, run_tool

MINI = 'configs/benchmark/mini_digits.py'
FULL = 'configs/benchmark/in1k_vit-base.py'
FULL_ABLATIONS = 'configs/benchmark/in1k_vit-base_ablations.py'
ARMS = ['random', 'mae', 'mi-mae', 'mi-mae-vps']
# MAE at 8 views is the equal-steps control of MI-MAE at 32 (images per
# step). MI-MAE's smallest is 16: at 8 views its 2 epochs of 3 iterations
# leave its 0.2-epoch warm-up no iteration (on the full data it has 4).
BUDGETS = dict(mae=[8, 32], **{'mi-mae': [16, 32], 'mi-mae-vps': [16, 32]})
TASKS = ['knn', 'linear', 'finetune', 'lowshot-10pct', 'det', 'seg']
FROZEN = ['knn', 'linear']  # on every budget, and on the raw pixels
RUNS = ['random', 'pixels'] + [
    f'{arm}/v{budget}' for arm in ARMS[1:] for budget in BUDGETS[arm]
]

# Seconds, not minutes: 143 pre-training images (32 K=1 epochs = 96
# iterations), one epoch or two iterations per task, small val subsets.
CLS_CUT = {
    'train_cfg': {
        'max_epochs': 1,
        'val_interval': 1
    },
    'train_dataloader': {
        'dataset': {
            'ann_file': 'meta/train_10percent.txt'
        }
    },
    'val_dataloader': {
        'dataset': {
            'indices': 60
        }
    }
}
ITER_CUT = {
    'train_cfg': {
        'max_iters': 2,
        'val_interval': 2
    },
    'val_dataloader': {
        'dataset': {
            'indices': 8
        }
    }
}


def _flatten(tree, prefix=''):
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from _flatten(value, f'{prefix}{key}.')
        else:
            yield f'{prefix}{key}', value


def smoke_options():
    options = [
        'seeds=[0]',
        f'only_arms={ARMS}'.replace("'", '').replace(' ', ''),
        'pretrain_cfg_options.train_dataloader.dataset.ann_file='
        'meta/train_10percent.txt',
        'tasks.0.cfg_options.test_dataloader.dataset.indices=60',
    ]
    arms = [a['name'] for a in Config.fromfile(MINI).arms]
    options += [
        f'arms.{arms.index(arm)}.budgets={budgets}'.replace(' ', '')
        for arm, budgets in BUDGETS.items()
    ]
    for index, cut in ((1, CLS_CUT), (2, CLS_CUT), (3, CLS_CUT), (4, ITER_CUT),
                       (5, ITER_CUT)):
        options += [
            f'tasks.{index}.cfg_options.{key}={value}'
            for key, value in _flatten(cut)
        ]
    return options


@pytest.fixture(scope='module')
def benchmark_data():
    """The mini-benchmark's datasets where its suite file expects them."""
    run_tool(['tools/dataset_converters/digits_to_imagenet.py', 'data/digits'])
    run_tool(['tools/dataset_converters/digit_scenes.py', 'data/digit_scenes'])


def start(work_dir):
    return subprocess.Popen([
        sys.executable, 'tools/benchmark.py', MINI, '--work-dir', work_dir,
        '--cfg-options', *smoke_options()
    ],
                            cwd=REPO_ROOT,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT,
                            text=True,
                            start_new_session=True)


def done_cells(work_dir):
    done = {}
    for root, _, files in os.walk(work_dir):
        if 'result.json' in files:
            path = osp.join(root, 'result.json')
            with open(path) as f:
                record = json.load(f)
            if record['status'] == 'done':
                done[record['cell']] = os.stat(path).st_mtime_ns
    return done


def test_smoke_suite_is_killed_resumes_and_fills_the_table(
        benchmark_data, tmp_path):
    work_dir = str(tmp_path / 'suite')
    # Kill the whole suite (cells included) once some cells have finished.
    proc = start(work_dir)
    deadline = time.time() + 600
    while len(done_cells(work_dir)) < 3 and proc.poll() is None:
        assert time.time() < deadline, 'no cell finished in 10 minutes'
        time.sleep(1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = done_cells(work_dir)
    assert len(finished) >= 3

    proc = start(work_dir)
    out, _ = proc.communicate(timeout=1500)
    assert proc.returncode == 0, out[-5000:]
    total = len(RUNS) - 2 + len(FROZEN) * len(RUNS) + (len(TASKS) -
                                                       len(FROZEN)) * len(ARMS)
    assert f'{len(finished)} of {total} cells already done' in out
    # The cells finished before the kill were not run again.
    after = done_cells(work_dir)
    assert {k: after[k] for k in finished} == finished
    assert len(after) == total

    with open(osp.join(work_dir, 'results.json')) as f:
        results = json.load(f)
    rows = {(r['run'], r['task']): r for r in results['rows']}
    largest = ['random'] + [f'{arm}/v32' for arm in ARMS[1:]]
    assert set(rows) == {(r, t)
                         for r in RUNS
                         for t in FROZEN} | {(r, t)
                                             for r in largest
                                             for t in TASKS[2:]}
    assert all(r['n'] == 1 and r['n_failed'] == 0 for r in rows.values())
    runs = {r['run']: r for r in results['runs']}
    assert runs['mi-mae/v32']['epochs'] == runs['mi-mae-vps/v32']['epochs'] \
        == 8
    assert runs['mi-mae-vps/v32']['images_per_step'] == 16
    # MI-MAE at 32 views took MAE-at-8-views' steps; views per step, MAE's.
    knn = {r['run']: r for r in results['rows'] if r['task'] == 'knn'}
    assert knn['mi-mae/v32']['steps_reference'] == 'mae/v8'
    assert knn['mi-mae-vps/v32']['steps_reference'] == 'mae/v32'
    # One seed cannot show that a column measures pre-training.
    assert not any(v['measures'] for v in results['validity'].values())
    # Every cell's record says how to reproduce it.
    with open(
            osp.join(work_dir, 'task', 'knn', 'mi-mae', 'v32', 'seed0',
                     'result.json')) as f:
        record = json.load(f)
    assert record['git_commit'] and record['wall_time_s'] > 0
    assert record['fingerprint']
    assert osp.isfile(osp.join(osp.dirname(record['log']), 'config.py'))
    with open(osp.join(work_dir, 'results.md')) as f:
        table = f.read()
    for run in RUNS:
        assert f'| {run.replace("/v", " @")} |' in table
    assert 'knn (accuracy/top1) †' in table
    assert 'fewer than 3: not established' in table
    for name in ('results_tasks.png', 'results_budgets.png',
                 'results_pretrain_curves.png', 'results.csv'):
        assert osp.getsize(osp.join(work_dir, name)) > 0


@functools.lru_cache(maxsize=None)
def dry_run(suite):
    return run_tool(['tools/benchmark.py', suite, '--dry-run']).stdout


def dry_run_cells(suite):
    """Cell key -> (config, options, command) from a dry run."""
    lines = dry_run(suite).splitlines()
    cells = {}
    for comment, command in zip(lines[::2], lines[1::2]):
        match = re.match(r'^# (\S+): (\S+) with (.*)$', comment)
        assert match and not command.startswith('#'), (comment, command)
        key, config, options = match.groups()
        cells[key] = (config, options, command)
    return cells


def test_make_bench_suite_runs_the_curve_both_units_and_dense_tasks():
    """``make bench``'s suite (mini_mnist.py, run for real by ``make bench``
    only): MAE and MI-MAE on the budget curve, views per step at 16, the
    linear probe everywhere, k-NN and the end-to-end dense tasks at the
    largest budget (the dense ones on random init, MAE and MI-MAE only)."""
    cells = dry_run_cells('configs/benchmark/mini_mnist.py')
    seeds = range(3)
    curve = [f'{arm}/v{b}' for arm in ('mae', 'mi-mae') for b in (8, 16, 32)]
    pretrains = {k for k in cells if k.startswith('pretrain/')}
    assert pretrains == {
        f'pretrain/{run}/seed{s}'
        for run in curve + ['mi-mae-vps/v16']
        for s in seeds
    }
    floors = ['random', 'pixels']
    largest = ['mae/v32', 'mi-mae/v32']
    expected = {
        f'task/linear-10shot/{run}/seed{s}'
        for run in floors + curve + ['mi-mae-vps/v16']
        for s in seeds
    }
    expected |= {
        f'task/knn/{run}/seed{s}'
        for run in floors + largest + ['mi-mae-vps/v16']
        for s in seeds
    }
    expected |= {
        f'task/{t}/{run}/seed{s}'
        for t in ('det', 'seg')
        for run in ['random'] + largest
        for s in seeds
    }
    assert {k for k in cells if k.startswith('task/')} == expected
    _, vps, _ = cells['pretrain/mi-mae-vps/v16/seed0']
    assert 'train_dataloader.batch_size=16' in vps
    assert 'train_cfg.max_epochs=4' in vps
    _, mi_mae, _ = cells['pretrain/mi-mae/v32/seed0']
    assert 'train_cfg.max_epochs=8' in mi_mae
    det, _, _ = cells['task/det/mi-mae/v32/seed0']
    assert det.endswith('1xb8-300i_mnist-scenes-32x32.py')
    # Fine-tuned end to end.
    assert Config.fromfile(osp.join(REPO_ROOT,
                                    det)).model.backbone.frozen_stages == -1


def test_mini_ablations_share_the_bench_cells_they_repeat():
    """mini_mnist_ablations.py: the three ablations beside MAE and MI-MAE
    at 32 views, every task on every arm; the cells it has in common with
    ``make bench`` (same work_dir) are the same cells, so they are reused."""
    cells = dry_run_cells('configs/benchmark/mini_mnist_ablations.py')
    arms = ['mae', 'mae-k4', 'max-mi', 'min-mi', 'mi-mae']
    assert {k.rsplit('/', 1)[0]
            for k in cells if k.startswith('pretrain/')
            } == {f'pretrain/{arm}/v32'
                  for arm in arms}
    assert {k
            for k in cells if k.startswith('task/det/')} == {
                f'task/det/{run}/seed{s}'
                for run in ['random'] + [f'{arm}/v32' for arm in arms]
                for s in range(3)
            }
    bench = dry_run_cells('configs/benchmark/mini_mnist.py')
    shared = set(cells) & set(bench)
    assert {'pretrain/mae/v32/seed2', 'task/det/mi-mae/v32/seed0'} <= shared
    assert all(cells[key] == bench[key] for key in shared)


def test_mnist_sweep_never_touches_the_reported_split():
    """sweep_mi-weights_mnist.py: every arm pre-trains on sweep_train only,
    and both tasks train and score on the sweep split (sweep_val scans, the
    --sweep scenes), never on the reported val scans or scenes; the grid's
    weights and MoCo v3's temperature reach the pre-training configs."""
    cells = dry_run_cells('configs/benchmark/sweep_mi-weights_mnist.py')
    grid = {
        'max1.0-min1.0': (1.0, 1.0),
        'max0.1-min1.0': (0.1, 1.0),
        'max0.1-min0.1': (0.1, 0.1),
        'mocov3-min1': (0.4, 1.0),
    }
    arms = ['mae', 'mae-k4', *grid]
    pretrains = {k for k in cells if k.startswith('pretrain/')}
    assert pretrains == {
        f'pretrain/{arm}/v32/seed{s}'
        for arm in arms
        for s in range(3)
    }
    for key, (_, options, _) in cells.items():
        if key.startswith('pretrain/'):
            assert "dataset.ann_file='meta/sweep_train.txt'" in options, key
            continue
        assert 'data/mnist_scenes/' not in options, key
        if key.startswith('task/seg/'):
            assert options.count('data/mnist_scenes_sweep/') == 3, key
        else:
            assert "val_dataloader.dataset.ann_file='meta/sweep_val.txt'" \
                in options, key
            assert "train_dataloader.dataset.ann_file=" \
                "'meta/sweep_train_10shot.txt'" in options, key
    assert {k.split('/')[2]
            for k in cells if k.startswith('task/seg/')} == {'random', *arms}
    for arm, (lmax, lmin) in grid.items():
        options = cells[f'pretrain/{arm}/v32/seed0'][1]
        assert f'model.mi_max_head.loss.loss_weight={lmax}' in options
        assert f'model.mi_min_head.loss_weight={lmin}' in options
        assert ('model.mi_max_head.temperature=0.2' in options) == (
            arm == 'mocov3-min1')


def test_full_scale_suite_dry_run_prints_8_gpu_commands():
    lines = dry_run(FULL).splitlines()
    commands = [line for line in lines if not line.startswith('#')]
    comments = [line for line in lines if line.startswith('#')]
    # MAE 1600 epochs and MI-MAE 400 epochs x 4 masks, then 6 tasks each
    # and for the random-init floor.
    assert len(commands) == 2 + 3 * 6
    assert 'train_cfg.max_epochs' not in '\n'.join(comments)
    # Pre-training, linear, fine-tuning, det and seg train on 8 GPUs.
    assert all('tools/dist_train.sh' in c and ' 8 ' in c for c in commands
               if '/knn/' not in c)
    knn = [c for c in commands if '/task/knn/' in c]
    assert knn and all('tools/dist_test.sh' in c for c in knn)
    det = next(c for c in comments if c.startswith('# task/det/mi-mae'))
    # Relative work dirs are resolved against where the suite was started.
    assert f"init_cfg.checkpoint='{REPO_ROOT}/work_dirs/benchmark/" \
        "in1k_vit-base/pretrain/mi-mae/seed0/work/<last checkpoint>'" in det


def test_full_scale_ablations_dry_run_has_every_arm_at_equal_views():
    """The four ablations beside MAE and MI-MAE at ViT-B scale: what each
    arm pre-trains, its views per image, SyncBN in the projector wherever
    the max-MI head is, and the main suite's cells unchanged (reused)."""
    from mmengine.config import Config
    cells = dry_run_cells(FULL_ABLATIONS)
    arms = ['random', 'mae', 'mi-mae', 'mae-k4', 'max-mi', 'min-mi']
    tasks = ['knn', 'linear', 'finetune', 'finetune-1pct', 'det', 'seg']
    pretrains = {k.split('/')[1] for k in cells if k.startswith('pretrain/')}
    assert pretrains == set(arms) - {'random'}
    task_cells = {k for k in cells if k.startswith('task/')}
    assert task_cells == {f'task/{t}/{a}/seed0' for t in tasks for a in arms}
    # (num_masks, max-MI head, min-MI head) of each pre-training arm.
    expected = {
        'mi-mae': (4, True, True),
        'mae-k4': (4, False, False),
        'max-mi': (4, True, False),
        'min-mi': (4, False, True),
    }
    for arm in sorted(pretrains):
        config, options, command = cells[f'pretrain/{arm}/seed0']
        # Each arm is its config: nothing but the seed is overridden.
        assert options == 'randomness.seed=0', (arm, options)
        assert 'tools/dist_train.sh' in command and ' 8 ' in command
        cfg = Config.fromfile(osp.join(REPO_ROOT, config))
        masks = cfg.model.backbone.get('num_masks', 1)
        # Equal views: 1600 masked views per image, MAE's 1600 epochs.
        assert cfg.train_cfg.max_epochs * masks == 1600, arm
        if arm == 'mae':
            assert cfg.model.type == 'MAE'
            continue
        assert cfg.model.type == 'MIMAE'
        num_masks, max_mi, min_mi = expected[arm]
        assert masks == num_masks
        assert (cfg.model.mi_max_head is not None) == max_mi, arm
        assert (cfg.model.mi_min_head is not None) == min_mi, arm
        if max_mi:
            assert cfg.model.mi_max_head.norm_cfg == dict(type='SyncBN')
    for task in tasks:
        config, options, _ = cells[f'task/{task}/random/seed0']
        key = 'image_encoder' if task == 'knn' else 'backbone'
        assert f'model.{key}.init_cfg=None' in options
        assert 'checkpoint' not in options
        for arm in pretrains:
            _, options, _ = cells[f'task/{task}/{arm}/seed0']
            assert (f'/in1k_vit-base/pretrain/{arm}/seed0/work/'
                    '<last checkpoint>') in options
    # The main suite's cells, in the same work_dir, are the same cells.
    main = dry_run_cells(FULL)
    assert all(cells[key] == main[key] for key in main)


def test_bad_suite_exits_2_naming_the_entry(tmp_path):
    bad = tmp_path / 'bad.py'
    bad.write_text("arms = [dict(name='x', config='nope.py')]\n"
                   "tasks = [dict(name='t', config='nope.py', metric='m')]\n"
                   'seeds = [0]\n')
    result = subprocess.run(
        [sys.executable, 'tools/benchmark.py',
         str(bad), '--dry-run'],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True)
    assert result.returncode == 2
    assert "arms[0] ('x'): config 'nope.py' does not exist" in result.stderr


def test_another_mim_method_runs_as_an_arm(benchmark_data, tmp_path):
    """docs/adding_a_method.md's example: MMPretrain's MFF as a suite arm,
    its checkpoint evaluated by k-NN through the strict key check (told
    about MFF's pre-training-only fusion weights by the suite file)."""
    work_dir = str(tmp_path / 'suite')
    run_tool([
        'tools/benchmark.py', 'configs/benchmark/mff_digits.py', '--work-dir',
        work_dir, '--cfg-options', 'seeds=[0]', 'only_arms=[mff]',
        'reference_arm=mff', 'only_tasks=[knn]', 'budgets=[10]',
        'pretrain_cfg_options.train_dataloader.dataset.ann_file='
        'meta/train_10percent.txt',
        'tasks.0.cfg_options.test_dataloader.dataset.indices=60'
    ])
    with open(osp.join(work_dir, 'results.json')) as f:
        results = json.load(f)
    # The pixels arm (k-NN's raw-input floor) runs beside it.
    assert sorted(r['arm'] for r in results['rows']) == ['mff', 'pixels']
    row, = [r for r in results['rows'] if r['arm'] == 'mff']
    assert (row['task'], row['n'], row['n_failed']) == ('knn', 1, 0)
    # A real k-NN score on 60 queries of 10 classes (chance: 10%).
    assert row['mean'] > 20, row
