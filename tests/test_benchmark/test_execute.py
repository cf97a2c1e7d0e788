"""Running cells: which ready cells start first, and which finished ones
are reused (only while their definition is unchanged)."""
import json
import os
import os.path as osp

import pytest
from conftest import REPO_ROOT, TINY_CONFIG
from test_suite import curve_body, write_suite

from mimae.benchmark.execute import (CellRunner, longest_first, run_suite,
                                     write_json)
from mimae.benchmark.suite import Suite, SuiteError


def test_untimed_kinds_first_then_longest_expected():
    expected = {
        'knn/a': 6.0,
        'det/a': None,
        'linear/a': 33.0,
        'seg/a': None,
        'knn/b': 6.0,
        'det/b': 165.0
    }
    order = longest_first(list(expected), expected.get)
    # Not timed yet, in suite order; then 165 s, 33 s, and the two 6 s
    # cells in suite order.
    assert order == ['det/a', 'seg/a', 'det/b', 'linear/a', 'knn/a', 'knn/b']


def test_nothing_timed_keeps_the_suite_order():
    cells = ['pretrain/mae', 'pretrain/mi-mae', 'task/knn/random']
    assert longest_first(cells, lambda cell: None) == cells


@pytest.fixture
def runner_for(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)

    def build(body=None, **cfg_options):
        suite = Suite.fromfile(
            write_suite(tmp_path, body or curve_body()),
            work_dir=str(tmp_path / 'out'),
            cfg_options=cfg_options or None)
        return CellRunner(suite, log=lambda line: None)

    return build


def cell(runner, key):
    return next(c for c in runner.suite.cells() if c.key == key)


def finish(runner, key, **fields):
    """Store a finished record of the cell, as ``run`` would."""
    c = cell(runner, key)
    record = dict(
        cell=key,
        kind=c.kind,
        arm=c.arm.name,
        run=c.arm.key,
        task=c.task.name if c.task else None,
        seed=c.seed,
        status='done',
        fingerprint=runner.fingerprint(c),
        log='run.log')
    record.update(fields)
    os.makedirs(runner.cell_dir(c), exist_ok=True)
    write_json(record, runner.result_path(c))
    return c


def test_a_changed_definition_runs_again_with_its_tasks(runner_for):
    runner = runner_for()
    pre = finish(runner, 'pretrain/mi-mae/v40/seed0', checkpoint='/c.pth')
    knn = finish(
        runner,
        'task/knn/mi-mae/v40/seed0',
        metric='accuracy/top1',
        metrics={'accuracy/top1': 80.0},
        value=80.0)
    assert runner.is_done(pre) and runner.is_done(knn)
    # A new runner on the same suite computes the same fingerprints.
    again = runner_for()
    assert again.is_done(pre) and again.is_done(knn)
    # Another weight for the MI-MAE arm changes its pre-training and, through
    # it, every task on its checkpoint; the other arms keep theirs.
    changed = runner_for(curve_body().replace(
        f"dict(name='mi-mae', config={TINY_CONFIG!r})",
        f"dict(name='mi-mae', config={TINY_CONFIG!r}, cfg_options="
        "{'model.mi_min_head.loss_weight': 0.5})"))
    assert not changed.is_done(cell(changed, pre.key))
    assert not changed.is_done(cell(changed, knn.key))
    assert changed.fingerprint(cell(changed, 'pretrain/mae/v40/seed0')) == \
        runner.fingerprint(cell(runner, 'pretrain/mae/v40/seed0'))
    # The same for a seed of the cell (it is in the merged config).
    assert runner.fingerprint(cell(runner, 'pretrain/mi-mae/v40/seed1')) != \
        runner.fingerprint(pre)


def test_a_record_without_fingerprint_counts_as_changed(runner_for):
    runner = runner_for()
    c = finish(runner, 'task/knn/random/seed0', fingerprint=None)
    assert runner.current(c) is None and not runner.is_done(c)


def test_a_new_metric_is_read_from_the_stored_metrics_or_runs_again(
        runner_for):
    runner = runner_for()
    knn = finish(
        runner,
        'task/knn/random/seed0',
        metric='accuracy/top1',
        metrics={
            'accuracy/top1': 41.0,
            'accuracy/top5': 88.0
        },
        value=41.0)
    other = runner_for(**{'tasks.0.metric': 'accuracy/top5'})
    record = other.current(cell(other, knn.key))
    assert (record['metric'], record['value']) == ('accuracy/top5', 88.0)
    with open(runner.result_path(knn)) as f:
        assert json.load(f)['value'] == 88.0
    # A metric the run never reported: the cell runs again, it never shows
    # another metric's number under this name.
    missing = runner_for(**{'tasks.0.metric': 'single-label/f1-score'})
    assert missing.current(cell(missing, knn.key)) is None
    assert osp.isfile(runner.result_path(knn))


def test_the_pixels_cell_runs_the_task_with_the_encoder_replaced(runner_for):
    runner = runner_for()
    cfg = runner._merged_config(cell(runner, 'task/knn/pixels/seed0'))
    assert cfg.model.image_encoder == dict(type='RawPixels')
    assert cfg.model.type == 'WeightedKNNClassifier'
    assert cfg.randomness.seed == 0


def test_a_misspelt_override_is_refused_naming_the_cell(runner_for):
    """An arm's override that matches no key of its config (nor an argument
    of the class there) fails before any cell runs, not as a silent key."""
    runner = runner_for(curve_body().replace(
        f"dict(name='mi-mae', config={TINY_CONFIG!r})",
        f"dict(name='mi-mae', config={TINY_CONFIG!r}, cfg_options="
        "{'model.mi_min_head.los_weight': 0.5})"))
    with pytest.raises(SuiteError) as error:
        run_suite(runner)
    message = str(error.value)
    assert message.startswith('pretrain/mi-mae/v'), message
    assert "closest: ['model.mi_min_head.loss_weight'" in message
    assert not os.path.exists(osp.join(runner.suite.work_dir, 'pretrain'))


def test_cells_run_with_the_tools_the_runner_is_given(runner_for, tmp_path):
    """tools/benchmark.py passes its own folder: a second checkout (or a
    wheel's mimae/.mim/tools) runs its cells with its own tools."""
    from mimae.benchmark.execute import default_tools_dir
    assert default_tools_dir() == osp.join(REPO_ROOT, 'tools')
    runner = runner_for()
    runner.tools_dir = str(tmp_path / 'tools')
    command = runner.command(cell(runner, 'pretrain/mae/v40/seed0'))
    assert command[1] == str(tmp_path / 'tools' / 'train.py')


def test_benchmark_tool_names_its_own_folder_s_tools(tmp_path):
    import shutil
    import subprocess
    import sys
    copy = tmp_path / 'checkout' / 'tools'
    copy.mkdir(parents=True)
    shutil.copy(osp.join(REPO_ROOT, 'tools', 'benchmark.py'), copy)
    result = subprocess.run([
        sys.executable,
        str(copy / 'benchmark.py'),
        osp.join(REPO_ROOT, 'configs', 'benchmark', 'demo_mnist.py'),
        '--dry-run', '--work-dir',
        str(tmp_path / 'out')
    ],
                            cwd=REPO_ROOT,
                            capture_output=True,
                            text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    commands = [
        line for line in result.stdout.splitlines() if not line.startswith('#')
    ]
    assert commands and all(f' {copy}/train.py ' in c for c in commands)
