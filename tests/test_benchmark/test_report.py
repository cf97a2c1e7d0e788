"""The results table: statistics over seeds, the paired test, failures."""
import csv
import io
import json
import os.path as osp

import numpy as np
import pytest
from conftest import REPO_ROOT, TINY_CONFIG
from scipy import stats
from test_suite import suite_body, write_suite

from mimae.benchmark.report import (NOT_EVIDENCE, csv_text, markdown,
                                    summarise, write_report)
from mimae.benchmark.suite import Suite


@pytest.fixture
def suite(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    return Suite.fromfile(
        write_suite(tmp_path, suite_body()),
        work_dir=str(tmp_path / 'out'),
        cfg_options={'seeds': [0, 1, 2]})


def task_record(arm, task, seed, value=None, reason=None):
    """``arm`` is the arm's name; pre-trained arms run at budget 40."""
    done = reason is None
    run = arm if arm in ('random', 'pixels') else f'{arm}/v40'
    return dict(
        cell=f'task/{task}/{run}/seed{seed}',
        kind='task',
        arm=arm,
        run=run,
        task=task,
        seed=seed,
        status='done' if done else 'failed',
        value=value,
        reason=reason,
        log=f'/logs/{arm}{seed}.log')


KNN = {
    'random': [50.0, 53.0, 51.0],
    'mae': [80.0, 82.0, 81.0],
    'mi-mae': [81.0, 84.5, 82.0]
}


def records(linear_failure=True):
    out = [
        task_record(a, 'knn', s, v) for a, vs in KNN.items()
        for s, v in enumerate(vs)
    ]
    for arm in KNN:
        for seed in range(3):
            if linear_failure and arm == 'mi-mae' and seed == 2:
                out.append(
                    task_record(
                        arm, 'linear', seed, reason='accuracy/top1 is nan'))
            else:
                out.append(
                    task_record(arm, 'linear', seed,
                                60.0 + seed + (arm == 'mi-mae')))
    return out


def test_mean_std_and_paired_test_over_seeds(suite):
    summary = summarise(suite, records())
    rows = {(r['arm'], r['task']): r for r in summary['rows']}
    row = rows[('mi-mae', 'knn')]
    assert row['reference'] == 'mae/v40'
    assert row['n'] == 3 and row['n_failed'] == 0
    assert row['mean'] == pytest.approx(np.mean(KNN['mi-mae']))
    assert row['std'] == pytest.approx(np.std(KNN['mi-mae'], ddof=1))
    diffs = np.subtract(KNN['mi-mae'], KNN['mae'])
    assert row['delta'] == pytest.approx(diffs.mean())
    assert row['delta_std'] == pytest.approx(diffs.std(ddof=1))
    assert row['p_value'] == pytest.approx(
        stats.ttest_rel(KNN['mi-mae'], KNN['mae']).pvalue)
    # The reference has no difference to itself.
    assert rows[('mae', 'knn')]['delta'] is None
    # One failed seed: the others are kept, the pairs are the common seeds.
    row = rows[('mi-mae', 'linear')]
    assert (row['n'], row['n_failed'], row['n_paired']) == (2, 1, 2)
    assert row['delta'] == pytest.approx(1.0)
    assert row['values'] == {'0': 61.0, '1': 62.0}


def test_failed_cells_are_shown_as_failed_never_as_numbers(suite):
    recs = [
        r for r in records() if r['arm'] != 'random' or r['task'] != 'linear'
    ]
    recs += [
        task_record('random', 'linear', s, reason='diverged') for s in range(3)
    ]
    text = markdown(summarise(suite, recs))
    random_row = next(line for line in text.splitlines()
                      if line.startswith('| random |'))
    assert random_row.endswith('| failed |')
    assert 'task/linear/random/seed0`: diverged (log: /logs/random0.log)' \
        in text
    assert 'accuracy/top1 is nan' in text


def test_markdown_and_csv_have_every_arm_and_task(suite):
    summary = summarise(suite, records(linear_failure=False))
    text = markdown(summary)
    assert '| mi-mae @40 | images | 4 | 40 | 64 | 10 | 82.50 ± 1.80 (n=3) |' \
        in text
    assert '| random | - | - | - | - | - |' in text
    assert 'Difference to `mae` at equal views' in text
    assert '| mi-mae @40 | mae @40 | +1.50 ± 0.87 (p=' in text
    # k-NN separates MAE from random init; linear (random = MAE) does not,
    # so its column is marked and its differences are not shown.
    assert '| knn | mae @40 | +29.67 (p=' in text
    assert 'linear (accuracy/top1) †' in text
    assert f'† {NOT_EVIDENCE}: mae/v40 does not beat random' in text
    assert '| mi-mae @40 | mae @40 | +1.50 ± 0.87 (p=0.095, n=3) | n/a † |' \
        in text
    rows = list(csv.DictReader(io.StringIO(csv_text(summary))))
    assert {
        r['task']: r['evidence']
        for r in rows
    } == dict(
        knn='True', linear='False')
    assert {(r['arm'], r['task'])
            for r in rows} == {(a, t)
                               for a in ('random', 'mae', 'mi-mae')
                               for t in ('knn', 'linear')}


def test_write_report_writes_tables_and_plots(suite, tmp_path):
    scalars = tmp_path / 'scalars.json'
    scalars.write_text('\n'.join(
        json.dumps(dict(step=i, loss_rec=1.0 / i, mi_max_acc=0.1 * i))
        for i in range(1, 6)))
    recs = records() + [
        dict(
            cell='pretrain/mi-mae/seed0',
            kind='pretrain',
            arm='mi-mae',
            task=None,
            seed=0,
            status='done',
            scalars=str(scalars))
    ]
    summary = write_report(suite, recs)
    files = summary['files']
    for key in ('json', 'csv', 'md', 'tasks_png', 'curves_png'):
        assert osp.getsize(files[key]) > 0, key
    with open(files['tasks_png'], 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    with open(files['json']) as f:
        assert json.load(f)['rows'] == json.loads(json.dumps(summary['rows']))


def test_progress_eta_uses_the_mean_time_of_each_kind(suite):
    from mimae.benchmark.execute import _Progress
    lines = []
    cells = suite.cells()
    progress = _Progress(cells, len(cells), jobs=2, log=lines.append)
    pretrain = [c for c in cells if c.kind == 'pretrain']
    knn = [c for c in cells if c.kind == 'task' and c.task.name == 'knn']
    progress.update(pretrain[0], dict(status='done', wall_time_s=100.0))
    progress.update(knn[0],
                    dict(status='failed', wall_time_s=10.0, reason='boom'))
    # Left: 5 pre-trainings at 100 s, 8 k-NN at 10 s, 9 linear at the
    # overall mean of 55 s, on 2 jobs.
    assert progress.eta() == pytest.approx((5 * 100 + 8 * 10 + 9 * 55) / 2)
    assert lines[-1].startswith('[benchmark] 2/24 (1 failed) task/knn/')
    assert 'FAILED: boom' in lines[-1]


def budget_suite(tmp_path, seeds=(0, 1, 2)):
    """MAE at 10, 20 and 40 views; MI-MAE (K=4) at 40 views per image, in
    both batch units; k-NN with a raw-input baseline."""
    body = suite_body().replace('pretrain_epochs = 40', 'budgets = [40]')
    body = body.replace("'model.mi_min_head': None}),",
                        "'model.mi_min_head': None}, budgets=[10, 20, 40]),")
    assert 'budgets=[10, 20, 40]' in body
    body = body.replace(
        "dict(name='mi-mae', config=",
        "dict(name='mi-mae-views', batch_unit='views', config=" +
        repr(TINY_CONFIG) + "),\n    dict(name='mi-mae', config=")
    body = body.replace(
        "init_cfg_key='model.image_encoder.init_cfg'),",
        "init_cfg_key='model.image_encoder.init_cfg', raw_input={"
        "'model.image_encoder': dict(type='RawPixels')}),")
    return Suite.fromfile(
        write_suite(tmp_path, body),
        work_dir=str(tmp_path / 'out'),
        cfg_options={'seeds': list(seeds)})


def budget_records(knn):
    return [
        dict(task_record(run.split('/')[0], 'knn', s, v), run=run)
        for run, vs in knn.items() for s, v in enumerate(vs)
    ]


BUDGET_KNN = {
    'random': [50.0, 53.0, 51.0],
    'pixels': [70.0, 70.0, 70.0],
    'mae/v10': [60.0, 62.0, 61.0],
    'mae/v20': [72.0, 74.0, 73.5],
    'mae/v40': [80.0, 82.0, 81.0],
    'mi-mae/v40': [63.0, 62.0, 64.0],
    'mi-mae-views/v40': [79.0, 83.0, 80.0],
}


def test_equal_views_and_equal_steps_pairs_and_the_budget_plot(
        tmp_path, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    suite = budget_suite(tmp_path)
    summary = write_report(suite, budget_records(BUDGET_KNN))
    rows = {r['run']: r for r in summary['rows'] if r['task'] == 'knn'}
    # Images per step: MI-MAE at 40 views took MAE-at-10-views' steps.
    mi = rows['mi-mae/v40']
    assert (mi['reference'], mi['steps_reference']) == ('mae/v40', 'mae/v10')
    assert mi['delta'] == pytest.approx(-18.0)
    assert mi['steps_delta'] == pytest.approx(2.0)
    # Views per step: 16 images x 4 masks, MAE's steps at the same views.
    views = rows['mi-mae-views/v40']
    assert views['images_per_step'] == 16
    assert views['reference'] == views['steps_reference'] == 'mae/v40'
    # Floors are compared with the reference's largest budget.
    assert rows['pixels']['reference'] == 'mae/v40'
    check = {c['floor']: c for c in summary['validity']['knn']['checks']}
    assert check['pixels']['delta'] == pytest.approx(11.0)
    assert check['pixels']['p_value'] == pytest.approx(
        stats.ttest_1samp(
            np.subtract(BUDGET_KNN['mae/v40'], 70.0), 0,
            alternative='greater').pvalue)
    assert summary['validity']['knn']['measures']
    text = markdown(summary)
    assert 'at equal optimizer steps' in text
    assert '| mi-mae @40 | mae @10 | +2.00 ± 1.73 (p=' in text
    assert osp.getsize(summary['files']['budgets_png']) > 0


def test_the_raw_input_floor_decides_a_frozen_column(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    knn = dict(BUDGET_KNN, pixels=[85.0, 85.0, 85.0])
    summary = summarise(budget_suite(tmp_path), budget_records(knn))
    entry = summary['validity']['knn']
    assert not entry['measures']
    assert entry['reason'] == 'mae/v40 does not beat pixels (one-sided ' \
        'paired t-test, p < 0.05)'
    assert all(not r['evidence'] for r in summary['rows'])


def test_below_three_seeds_no_p_value_and_no_verdict(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    knn = {run: values[:2] for run, values in BUDGET_KNN.items()}
    summary = summarise(
        budget_suite(tmp_path, seeds=(0, 1)), budget_records(knn))
    assert all(r['p_value'] is None and r['steps_p_value'] is None
               for r in summary['rows'])
    entry = summary['validity']['knn']
    assert not entry['measures']
    assert 'fewer than 3: not established' in entry['reason']
    assert '(n=2, no p-value below 3 seeds)' in markdown(summary)
