"""The suite's results: one table (JSON, CSV, Markdown) and PNG plots.

Per run (an arm at one budget) and task: the mean and sample standard
deviation over seeds, the number of seeds, and the differences to the
reference arm (MAE) paired over the seeds both finished: at equal views
(the reference at the same budget) and at equal optimizer steps (the
reference run with as many steps per image, where the suite has one). A
p-value (two-sided paired t-test) is given only with at least
``MIN_SEEDS`` pairs; below that, values and spread only.

**Validity.** A task's column is evidence about pre-training only where the
reference arm, at its largest budget, beats the floors the suite measured
on the same split: random init and, for frozen-feature tasks, the raw input
(the ``pixels`` arm): paired over seeds, one-sided t-test p < ``ALPHA``,
with at least ``MIN_SEEDS`` seeds. Any other column is marked "does not
measure pre-training here" in every output and its differences are not
shown as evidence (the JSON keeps them, with ``evidence: false``).

A failed cell is counted and its reason listed, never shown as a number.
"""
import csv
import io
import math
import os
import os.path as osp
from collections import Counter
from typing import Dict, List, Optional

import numpy as np

from .execute import read_scalars, write_json
from .suite import PIXELS_ARM, Arm, Suite

# Pre-training curves drawn per run, when the run logged them.
CURVE_KEYS = ('loss_rec', 'mi_max_acc', 'mi_max_bound', 'mi_min_club')
MIN_SEEDS = 3
ALPHA = 0.05
NOT_EVIDENCE = 'does not measure pre-training here'
RANDOM_ARM = 'random'


def _paired(values: Dict[int, float],
            reference: Dict[int, float],
            alternative: str = 'two-sided') -> dict:
    """Difference ``values - reference`` over the seeds both have."""
    from scipy import stats
    seeds = sorted(set(values) & set(reference))
    diffs = [values[s] - reference[s] for s in seeds]
    out = dict(n=len(seeds), delta=None, delta_std=None, p_value=None)
    if diffs:
        out['delta'] = float(np.mean(diffs))
    if len(diffs) > 1:
        out['delta_std'] = float(np.std(diffs, ddof=1))
    if len(diffs) < MIN_SEEDS:
        return out
    if out['delta_std'] == 0:
        # Identical differences: the t statistic is infinite (or 0/0 when
        # they are all zero), the limit of its p-value 0 (or 1).
        positive = out['delta'] > 0 if alternative == 'greater' else \
            out['delta'] != 0
        out['p_value'] = 0.0 if positive else 1.0
        return out
    p = stats.ttest_rel([values[s] for s in seeds],
                        [reference[s] for s in seeds],
                        alternative=alternative).pvalue
    out['p_value'] = None if math.isnan(p) else float(p)
    return out


def _run_info(arm: Arm) -> dict:
    steps = arm.steps_per_image
    return dict(
        arm=arm.name,
        run=arm.key,
        budget=arm.budget,
        batch_unit=arm.batch_unit if arm.pretrains else None,
        num_masks=arm.num_masks if arm.pretrains else None,
        epochs=arm.epochs,
        images_per_step=arm.batch_size if arm.pretrains else None,
        views_per_image=arm.views_per_image,
        steps_per_image=None if steps is None else str(steps))


def _reference_runs(suite: Suite) -> List[Arm]:
    if suite.reference_arm is None:
        return []
    return suite.arm_runs(suite.reference_arm)


def validity(suite: Suite, values: Dict[tuple, Dict[int, float]]) -> dict:
    """Per task: does the reference at its largest budget beat the floors?

    Returns:
        dict: task name -> ``dict(measures, reference, checks, reason)``;
        ``checks`` has one entry per floor the suite measured.
    """
    refs = _reference_runs(suite)
    runs = {a.key for a in suite.arms}
    out = {}
    for task in suite.tasks:
        floors = [f for f in (RANDOM_ARM, PIXELS_ARM) if f in runs]
        if task.raw_input is None and PIXELS_ARM in floors:
            floors.remove(PIXELS_ARM)
        entry = dict(
            measures=False,
            reference=refs[-1].key if refs else None,
            checks=[],
            reason=None)
        if not refs:
            entry['reason'] = 'no reference arm to check'
        elif RANDOM_ARM not in floors:
            entry['reason'] = 'no random-init arm to check against'
        else:
            ref = values.get((refs[-1].key, task.name), {})
            for floor in floors:
                test = _paired(ref, values.get((floor, task.name), {}),
                               'greater')
                test['floor'] = floor
                test['passed'] = bool(test['p_value'] is not None
                                      and test['p_value'] < ALPHA
                                      and test['delta'] > 0)
                entry['checks'].append(test)
            short = [c for c in entry['checks'] if c['n'] < MIN_SEEDS]
            failed = [c['floor'] for c in entry['checks'] if not c['passed']]
            if short:
                entry['reason'] = (
                    f'{min(c["n"] for c in short)} paired seed(s), fewer '
                    f'than {MIN_SEEDS}: not established')
            elif failed:
                entry['reason'] = (f'{refs[-1].key} does not beat '
                                   f'{" and ".join(failed)} (one-sided '
                                   f'paired t-test, p < {ALPHA})')
            else:
                entry['measures'] = True
        out[task.name] = entry
    return out


def summarise(suite: Suite, records: List[Optional[dict]]) -> dict:
    """Aggregate cell records into the results table.

    Returns:
        dict: ``{'runs': [...], 'tasks': [...], 'rows': [...], 'validity':
        {...}, 'failed': [...], 'commits': {...}}``; one row per (run,
        task).
    """
    records = [r for r in records if r]
    values: Dict[tuple, Dict[int, float]] = {}
    failed = []
    n_failed: Counter = Counter()
    for r in records:
        run = r.get('run', r['arm'])
        if r['status'] != 'done':
            failed.append(
                dict(cell=r['cell'], reason=r.get('reason'), log=r.get('log')))
            if r['kind'] == 'task':
                n_failed[(run, r['task'])] += 1
        elif r['kind'] == 'task':
            values.setdefault((run, r['task']), {})[r['seed']] = r['value']
    checks = validity(suite, values)
    refs = _reference_runs(suite)
    rows = []
    for arm in suite.arms:
        for task in suite.tasks:
            if not suite.evaluates(task, arm):
                continue
            by_seed = values.get((arm.key, task.name), {})
            vals = [by_seed[s] for s in sorted(by_seed)]
            row = dict(
                _run_info(arm),
                task=task.name,
                metric=task.metric,
                n=len(vals),
                n_failed=n_failed[(arm.key, task.name)],
                mean=float(np.mean(vals)) if vals else None,
                std=float(np.std(vals, ddof=1)) if len(vals) > 1 else None,
                values={
                    str(s): v
                    for s, v in sorted(by_seed.items())
                },
                evidence=checks[task.name]['measures'])
            row.update(_differences(arm, refs, task.name, values))
            rows.append(row)
    commits = Counter(r.get('git_commit', 'unknown') for r in records)
    return dict(
        suite=suite.path,
        reference_arm=suite.reference_arm,
        seeds=suite.seeds,
        budgets=suite.budgets,
        runs=[_run_info(a) for a in suite.arms],
        tasks=[
            dict(
                name=t.name,
                config=t.config,
                metric=t.metric,
                mode=t.mode,
                raw_input=t.raw_input is not None) for t in suite.tasks
        ],
        rows=rows,
        validity=checks,
        failed=failed,
        commits=dict(commits))


def _differences(arm: Arm, refs: List[Arm], task: str,
                 values: Dict[tuple, Dict[int, float]]) -> dict:
    """The run's differences to the reference at equal views and steps."""
    out = dict(
        reference=None,
        delta=None,
        delta_std=None,
        p_value=None,
        n_paired=0,
        steps_reference=None,
        steps_delta=None,
        steps_delta_std=None,
        steps_p_value=None,
        steps_n_paired=0)
    if not refs or arm.name == refs[0].name:
        return out
    mine = values.get((arm.key, task), {})
    if arm.budget is None:
        # Floors and given checkpoints: against the converged reference.
        equal_views = refs[-1]
    else:
        equal_views = next((r for r in refs if r.budget == arm.budget), None)

    def compare(prefix: str, other: Arm) -> None:
        test = _paired(mine, values.get((other.key, task), {}))
        out.update({
            f'{prefix}reference': other.key,
            f'{prefix}delta': test['delta'],
            f'{prefix}delta_std': test['delta_std'],
            f'{prefix}p_value': test['p_value'],
            f'{prefix}n_paired': test['n']
        })

    if equal_views is not None:
        compare('', equal_views)
    steps = arm.steps_per_image
    equal_steps = next(
        (r for r in refs if steps is not None and r.steps_per_image == steps),
        None)
    if arm.pretrains and equal_steps is not None:
        compare('steps_', equal_steps)
    return out


def _fmt(value: Optional[float], digits: int = 2) -> str:
    return '-' if value is None else f'{value:.{digits}f}'


def _cell_text(row: Optional[dict]) -> str:
    if row is None:
        return '-'
    if row['n'] == 0:
        return 'failed' if row['n_failed'] else '-'
    text = _fmt(row['mean'])
    if row['std'] is not None:
        text += f' ± {_fmt(row["std"])}'
    text += f' (n={row["n"]})'
    if row['n_failed']:
        text += f', {row["n_failed"]} failed'
    return text


def _delta_text(row: Optional[dict], prefix: str = '') -> str:
    if row is None or row[f'{prefix}delta'] is None:
        return '-'
    if not row['evidence']:
        return 'n/a †'
    text = f'{row[prefix + "delta"]:+.2f}'
    if row[f'{prefix}delta_std'] is not None:
        text += f' ± {row[prefix + "delta_std"]:.2f}'
    n = row[f'{prefix}n_paired']
    if row[f'{prefix}p_value'] is not None:
        text += f' (p={row[prefix + "p_value"]:.2g}, n={n})'
    else:
        text += f' (n={n})'
    return text


def _check_text(check: dict) -> str:
    if check['delta'] is None:
        return 'not measured'
    text = f'{check["delta"]:+.2f}'
    if check['p_value'] is not None:
        text += f' (p={check["p_value"]:.2g}, n={check["n"]})'
    else:
        text += f' (n={check["n"]}, no p-value below {MIN_SEEDS} seeds)'
    return text + (' ✓' if check['passed'] else ' ✗')


def _run_label(run: dict) -> str:
    return run['run'].replace('/v', ' @')


def markdown(summary: dict) -> str:
    """The results as Markdown: values, validity, then differences."""
    tasks = summary['tasks']
    checks = summary['validity']
    rows = {(r['run'], r['task']): r for r in summary['rows']}

    def title(task: dict) -> str:
        mark = '' if checks[task['name']]['measures'] else ' †'
        return f'{task["name"]} ({task["metric"]}){mark}'

    header = ('| arm | batch unit | masks | views/image | images/step | '
              'epochs | ' + ' | '.join(title(t) for t in tasks) + ' |')
    lines = [
        f'# Results of `{summary["suite"]}`', '',
        f'Mean ± sample std over seeds {summary["seeds"]} (n = seeds that '
        'finished). `arm @V`: the arm pre-trained with V masked views per '
        'image. `pixels`: the task on the raw input (the encoder replaced '
        'by `RawPixels`).', '', header, '|' + ' --- |' * (6 + len(tasks))
    ]
    for run in summary['runs']:
        cells = [_cell_text(rows.get((run['run'], t['name']))) for t in tasks]
        lines.append(f'| {_run_label(run)} | {run["batch_unit"] or "-"} | '
                     f'{run["num_masks"] or "-"} | '
                     f'{run["views_per_image"] or "-"} | '
                     f'{run["images_per_step"] or "-"} | '
                     f'{run["epochs"] or "-"} | ' + ' | '.join(cells) + ' |')
    lines += [
        '', '## Validity: does each column measure pre-training?', '',
        f'The reference at its largest budget against random init and, for '
        f'frozen-feature tasks, the raw input, paired over seeds (one-sided '
        f't-test, evidence where p < {ALPHA} with n ≥ {MIN_SEEDS}). '
        f'† = {NOT_EVIDENCE}: its differences below are not evidence.', '',
        '| task | reference | vs random | vs pixels | verdict |',
        '| --- | --- | --- | --- | --- |'
    ]
    for task in tasks:
        entry = checks[task['name']]
        by_floor = {c['floor']: _check_text(c) for c in entry['checks']}
        verdict = 'measures pre-training' if entry['measures'] else \
            f'† {NOT_EVIDENCE}: {entry["reason"]}'
        ref = entry['reference'].replace('/v',
                                         ' @') if entry['reference'] else '-'
        lines.append(f'| {task["name"]} | {ref} | '
                     f'{by_floor.get(RANDOM_ARM, "-")} | '
                     f'{by_floor.get(PIXELS_ARM, "-")} | {verdict} |')
    ref = summary['reference_arm']
    if ref is not None:
        for prefix, heading in (
            ('', f'Difference to `{ref}` at equal views (the same budget; '
             'floors against its largest)'),
            ('steps_', f'Difference to `{ref}` at equal optimizer steps '
             '(the reference run with as many steps per image)')):
            listed = [
                run for run in summary['runs']
                if any((rows.get((run['run'],
                                  t['name'])) or {}).get(f'{prefix}reference')
                       for t in tasks)
            ]
            if not listed:
                continue
            lines += [
                '', f'{heading}, mean ± std of the paired differences over '
                f'seeds (two-sided paired t-test; no p-value below '
                f'{MIN_SEEDS} seeds):', '',
                '| arm | compared with | ' + ' | '.join(t['name']
                                                        for t in tasks) + ' |',
                '|' + ' --- |' * (2 + len(tasks))
            ]
            for run in listed:
                cells = [rows.get((run['run'], t['name'])) for t in tasks]
                other = next(c[f'{prefix}reference'] for c in cells
                             if c and c[f'{prefix}reference'])
                lines.append(
                    f'| {_run_label(run)} | {other.replace("/v", " @")} | ' +
                    ' | '.join(_delta_text(c, prefix) for c in cells) + ' |')
    commits = summary.get('commits') or {}
    if len(commits) > 1:
        lines += [
            '', '**The cells ran at different commits** (cells per commit: ' +
            ', '.join(f'`{c}` {n}' for c, n in sorted(commits.items())) +
            '); a finished cell is reused while its config is unchanged, '
            'whatever the code. Re-run in a fresh work_dir for one commit.'
        ]
    if summary['failed']:
        lines += ['', '## Failed cells', '']
        lines += [
            f'- `{f["cell"]}`: {f["reason"]} (log: {f["log"]})'
            for f in summary['failed']
        ]
    return '\n'.join(lines) + '\n'


CSV_FIELDS = ('arm', 'run', 'budget', 'batch_unit', 'num_masks',
              'views_per_image', 'images_per_step', 'steps_per_image', 'task',
              'metric', 'evidence', 'n', 'n_failed', 'mean', 'std',
              'reference', 'delta', 'delta_std', 'p_value', 'n_paired',
              'steps_reference', 'steps_delta', 'steps_delta_std',
              'steps_p_value', 'steps_n_paired')


def csv_text(summary: dict) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(CSV_FIELDS) + ['values'])
    writer.writeheader()
    for row in summary['rows']:
        writer.writerow({
            **{
                k: row[k]
                for k in CSV_FIELDS
            }, 'values': ' '.join(f'{s}:{v}' for s, v in row['values'].items())
        })
    return out.getvalue()


def _floors(summary: dict, task: str) -> Dict[str, dict]:
    return {
        r['run']: r
        for r in summary['rows'] if r['task'] == task and r['run'] in (
            RANDOM_ARM, PIXELS_ARM) and r['mean'] is not None
    }


def _draw_floors(ax, floors: Dict[str, dict]) -> None:
    styles = {RANDOM_ARM: ('0.35', '--'), PIXELS_ARM: ('tab:red', ':')}
    for name, row in floors.items():
        colour, style = styles[name]
        ax.axhline(
            row['mean'],
            color=colour,
            ls=style,
            lw=1.2,
            label=f'{name} ({row["mean"]:.3g})')


def _panel_title(task: dict, summary: dict) -> str:
    title = f'{task["name"]}\n{task["metric"]}'
    if not summary['validity'][task['name']]['measures']:
        title += f'\n† {NOT_EVIDENCE}'
    return title


def plot_tasks(summary: dict, path: str) -> None:
    """One panel per task: a point per run with its std over seeds as an
    error bar; random init and the raw input as horizontal lines."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    tasks = summary['tasks']
    runs = [
        r['run'] for r in summary['runs']
        if r['run'] not in (RANDOM_ARM, PIXELS_ARM)
    ]
    rows = {(r['run'], r['task']): r for r in summary['rows']}
    fig, axes = plt.subplots(
        1, len(tasks), figsize=(2.2 + 2.6 * len(tasks), 3.8), squeeze=False)
    colours = plt.cm.tab10(np.arange(max(len(runs), 1)) % 10)
    for ax, task in zip(axes[0], tasks):
        xs = np.arange(len(runs))
        for x, run, colour in zip(xs, runs, colours):
            row = rows.get((run, task['name']))
            if row is None or row['mean'] is None:
                word = 'failed' if row and row['n_failed'] else 'not run'
                ax.text(
                    x,
                    0.5,
                    word,
                    rotation=90,
                    ha='center',
                    va='center',
                    fontsize=7,
                    transform=ax.get_xaxis_transform())
                continue
            ax.errorbar(
                x,
                row['mean'],
                yerr=row['std'] or 0,
                fmt='o',
                color=colour,
                capsize=3)
        _draw_floors(ax, _floors(summary, task['name']))
        ax.set_xticks(
            xs, [r.replace('/v', ' @') for r in runs],
            rotation=60,
            ha='right',
            fontsize=7)
        ax.set_title(_panel_title(task, summary), fontsize=8)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_budgets(summary: dict, path: str) -> bool:
    """The budget curve: each task's metric against masked views per image,
    mean ± std over seeds per arm (and batch unit); floors as lines.

    Returns:
        bool: whether any run had a budget.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    tasks = summary['tasks']
    curves: Dict[str, List[dict]] = {}
    for row in summary['rows']:
        if row['budget'] is not None and row['mean'] is not None:
            curves.setdefault(f'{row["arm"]} ({row["batch_unit"]}/step)',
                              []).append(row)
    if not curves:
        return False
    fig, axes = plt.subplots(
        1, len(tasks), figsize=(1.5 + 3.6 * len(tasks), 3.6), squeeze=False)
    colours = dict(zip(curves, plt.cm.tab10(np.arange(len(curves)) % 10)))
    for ax, task in zip(axes[0], tasks):
        for label, rows in curves.items():
            rows = sorted((r for r in rows if r['task'] == task['name']),
                          key=lambda r: r['budget'])
            if rows:
                ax.errorbar([r['budget'] for r in rows],
                            [r['mean'] for r in rows],
                            yerr=[r['std'] or 0 for r in rows],
                            marker='o',
                            ms=3,
                            capsize=3,
                            lw=1,
                            color=colours[label],
                            label=label)
        _draw_floors(ax, _floors(summary, task['name']))
        ax.set_xscale('log', base=2)
        budgets = sorted(
            {r['budget']
             for rows in curves.values()
             for r in rows})
        ax.set_xticks(budgets, [str(b) for b in budgets])
        ax.minorticks_off()
        ax.set_xlabel('masked views per image', fontsize=8)
        ax.set_title(_panel_title(task, summary), fontsize=8)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def plot_curves(curves: Dict[str, List[str]],
                path: str,
                views_per_step: Optional[Dict[str, int]] = None) -> bool:
    """Pre-training curves per run: ``loss_rec`` and the MI diagnostics.

    The x axis is the iteration times the run's masked views per step
    (images per step x masks), so runs that saw as many views end at the
    same place whatever their batch unit.

    Args:
        curves (Dict[str, List[str]]): run -> its seeds' ``scalars.json``.
        views_per_step (Dict[str, int], optional): run -> views per step.

    Returns:
        bool: whether anything was drawn.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    scale = views_per_step or {}
    series: Dict[str, Dict[str, list]] = {}
    for run, logs in curves.items():
        for log in logs:
            for record in read_scalars(log):
                for key in CURVE_KEYS:
                    if key in record and 'step' in record:
                        series.setdefault(key, {}).setdefault(run, []).append(
                            (record['step'] * scale.get(run, 1), record[key],
                             log))
    keys = [k for k in CURVE_KEYS if k in series]
    if not keys:
        return False
    fig, axes = plt.subplots(
        1, len(keys), figsize=(4 * len(keys), 3.2), squeeze=False)
    runs = list(curves)
    colours = dict(zip(runs, plt.cm.tab10(np.arange(len(runs)) % 10)))
    for ax, key in zip(axes[0], keys):
        for run, points in series[key].items():
            for i, log in enumerate(sorted({p for _, _, p in points})):
                xs = [s for s, _, p in points if p == log]
                ys = [v for _, v, p in points if p == log]
                ax.plot(
                    xs,
                    ys,
                    color=colours[run],
                    lw=1,
                    alpha=0.8,
                    label=run.replace('/v', ' @') if i == 0 else None)
        ax.set_title(key, fontsize=9)
        ax.set_xlabel('masked views seen (step x views per step)', fontsize=8)
        ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def write_report(suite: Suite, records: List[Optional[dict]]) -> dict:
    """Write results.{json,csv,md} and the plots into the suite's work dir.

    Returns:
        dict: the summary, with the paths written under ``files``.
    """
    summary = summarise(suite, records)
    out = suite.work_dir
    os.makedirs(out, exist_ok=True)
    files = dict(
        json=osp.join(out, 'results.json'),
        csv=osp.join(out, 'results.csv'),
        md=osp.join(out, 'results.md'),
        tasks_png=osp.join(out, 'results_tasks.png'))
    plot_tasks(summary, files['tasks_png'])
    if plot_budgets(summary, osp.join(out, 'results_budgets.png')):
        files['budgets_png'] = osp.join(out, 'results_budgets.png')
    curves: Dict[str, List[str]] = {}
    for r in records:
        if r and r['kind'] == 'pretrain' and r.get('scalars') and \
                osp.isfile(r['scalars']):
            curves.setdefault(r.get('run', r['arm']), []).append(r['scalars'])
    views = {
        a.key: (a.batch_size or 1) * a.num_masks
        for a in suite.arms if a.pretrains
    }
    if curves and plot_curves(
            curves, osp.join(out, 'results_pretrain_curves.png'), views):
        files['curves_png'] = osp.join(out, 'results_pretrain_curves.png')
    summary['files'] = files
    write_json(summary, files['json'])
    from ..engine.atomic_local_backend import AtomicLocalBackend
    AtomicLocalBackend().put_text(csv_text(summary), files['csv'])
    AtomicLocalBackend().put_text(markdown(summary), files['md'])
    return summary
