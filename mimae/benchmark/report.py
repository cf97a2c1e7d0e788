"""The suite's results: one table (JSON, CSV, Markdown) and PNG plots.

Per arm and task: the mean and sample standard deviation over seeds, the
number of seeds, and the difference to the reference arm (MAE) with a
paired t-test over the seeds both arms finished. A failed cell is counted
and its reason listed, never shown as a number.
"""
import csv
import io
import math
import os
import os.path as osp
from typing import Dict, List, Optional

import numpy as np

from .execute import read_scalars, write_json
from .suite import Suite

# Pre-training curves drawn per arm, when the run logged them.
CURVE_KEYS = ('loss_rec', 'mi_max_acc', 'mi_max_bound', 'mi_min_club')


def summarise(suite: Suite, records: List[Optional[dict]]) -> dict:
    """Aggregate cell records into the results table.

    Returns:
        dict: ``{'arms': [...], 'tasks': [...], 'rows': [...],
        'failed': [...]}``; one row per (arm, task).
    """
    from scipy import stats
    records = [r for r in records if r]
    values: Dict[tuple, Dict[int, float]] = {}
    failed = []
    for r in records:
        if r['status'] != 'done':
            failed.append(
                dict(cell=r['cell'], reason=r.get('reason'), log=r.get('log')))
        elif r['kind'] == 'task':
            values.setdefault((r['arm'], r['task']), {})[r['seed']] = \
                r['value']
    rows = []
    for arm in suite.arms:
        for task in suite.tasks:
            by_seed = values.get((arm.name, task.name), {})
            vals = [by_seed[s] for s in sorted(by_seed)]
            row = dict(
                arm=arm.name,
                task=task.name,
                metric=task.metric,
                n=len(vals),
                n_failed=sum(
                    1 for r in records
                    if r['kind'] == 'task' and r['arm'] == arm.name
                    and r['task'] == task.name and r['status'] != 'done'),
                mean=float(np.mean(vals)) if vals else None,
                std=float(np.std(vals, ddof=1)) if len(vals) > 1 else None,
                values={
                    str(s): v
                    for s, v in sorted(by_seed.items())
                },
                views_per_image=arm.views_per_image,
                delta=None,
                delta_std=None,
                p_value=None,
                n_paired=0)
            ref = suite.reference_arm
            if ref is not None and ref != arm.name:
                ref_by_seed = values.get((ref, task.name), {})
                seeds = sorted(set(by_seed) & set(ref_by_seed))
                diffs = [by_seed[s] - ref_by_seed[s] for s in seeds]
                row['n_paired'] = len(seeds)
                if diffs:
                    row['delta'] = float(np.mean(diffs))
                if len(diffs) > 1:
                    row['delta_std'] = float(np.std(diffs, ddof=1))
                if len(diffs) > 1 and row['delta_std'] > 0:
                    # (With identical differences the t statistic is
                    # undefined and no p-value is given.)
                    p = stats.ttest_rel([by_seed[s] for s in seeds],
                                        [ref_by_seed[s] for s in seeds]).pvalue
                    row['p_value'] = None if math.isnan(p) else float(p)
            rows.append(row)
    return dict(
        suite=suite.path,
        reference_arm=suite.reference_arm,
        seeds=suite.seeds,
        arms=[
            dict(
                name=a.name,
                config=a.config,
                checkpoint=a.checkpoint,
                num_masks=a.num_masks if a.pretrains else None,
                epochs=a.epochs,
                views_per_image=a.views_per_image) for a in suite.arms
        ],
        tasks=[
            dict(name=t.name, config=t.config, metric=t.metric, mode=t.mode)
            for t in suite.tasks
        ],
        rows=rows,
        failed=failed)


def _fmt(value: Optional[float], digits: int = 2) -> str:
    return '-' if value is None else f'{value:.{digits}f}'


def _cell_text(row: dict) -> str:
    if row['n'] == 0:
        return 'failed' if row['n_failed'] else '-'
    text = _fmt(row['mean'])
    if row['std'] is not None:
        text += f' ± {_fmt(row["std"])}'
    text += f' (n={row["n"]})'
    if row['n_failed']:
        text += f', {row["n_failed"]} failed'
    return text


def _delta_text(row: dict) -> str:
    if row['delta'] is None:
        return '-'
    text = f'{row["delta"]:+.2f}'
    if row['p_value'] is not None:
        text += f' (p={row["p_value"]:.2g}, n={row["n_paired"]})'
    else:
        text += f' (n={row["n_paired"]})'
    return text


def markdown(summary: dict) -> str:
    """The results as Markdown: values, then differences to the reference."""
    tasks = summary['tasks']
    rows = {(r['arm'], r['task']): r for r in summary['rows']}
    header = '| arm | masks | epochs | views/image | ' + ' | '.join(
        f'{t["name"]} ({t["metric"]})' for t in tasks) + ' |'
    sep = '|' + ' --- |' * (4 + len(tasks))
    lines = [
        f'# Results of `{summary["suite"]}`', '',
        f'Mean ± sample std over seeds {summary["seeds"]} (n = seeds '
        'that finished).', '', header, sep
    ]
    for arm in summary['arms']:
        cells = [_cell_text(rows[(arm['name'], t['name'])]) for t in tasks]
        lines.append(f'| {arm["name"]} | {arm["num_masks"] or "-"} | '
                     f'{arm["epochs"] or "-"} | '
                     f'{arm["views_per_image"] or "-"} | ' +
                     ' | '.join(cells) + ' |')
    ref = summary['reference_arm']
    if ref is not None:
        lines += [
            '', f'Difference to `{ref}`, paired over seeds (two-sided '
            'paired t-test):', '',
            '| arm | ' + ' | '.join(t['name'] for t in tasks) + ' |',
            '|' + ' --- |' * (1 + len(tasks))
        ]
        for arm in summary['arms']:
            if arm['name'] == ref:
                continue
            lines.append(f'| {arm["name"]} | ' + ' | '.join(
                _delta_text(rows[(arm['name'], t['name'])])
                for t in tasks) + ' |')
    if summary['failed']:
        lines += ['', '## Failed cells', '']
        lines += [
            f'- `{f["cell"]}`: {f["reason"]} (log: {f["log"]})'
            for f in summary['failed']
        ]
    return '\n'.join(lines) + '\n'


def csv_text(summary: dict) -> str:
    out = io.StringIO()
    fields = [
        'arm', 'task', 'metric', 'views_per_image', 'n', 'n_failed', 'mean',
        'std', 'delta', 'delta_std', 'p_value', 'n_paired'
    ]
    writer = csv.DictWriter(out, fieldnames=fields + ['values'])
    writer.writeheader()
    for row in summary['rows']:
        writer.writerow({
            **{
                k: row[k]
                for k in fields
            }, 'values': ' '.join(f'{s}:{v}' for s, v in row['values'].items())
        })
    return out.getvalue()


def plot_tasks(summary: dict, path: str) -> None:
    """One panel per task: a bar per arm, error bars = std over seeds."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    tasks, arms = summary['tasks'], [a['name'] for a in summary['arms']]
    rows = {(r['arm'], r['task']): r for r in summary['rows']}
    fig, axes = plt.subplots(
        1, len(tasks), figsize=(2.2 + 2.4 * len(tasks), 3.4), squeeze=False)
    colours = plt.cm.tab10(np.arange(len(arms)) % 10)
    for ax, task in zip(axes[0], tasks):
        means = [rows[(a, task['name'])]['mean'] for a in arms]
        stds = [rows[(a, task['name'])]['std'] or 0 for a in arms]
        ok = [m is not None for m in means]
        xs = np.arange(len(arms))
        ax.bar(
            xs[ok], [m for m in means if m is not None],
            yerr=[s for s, o in zip(stds, ok) if o],
            color=colours[ok],
            capsize=3)
        for x in xs[~np.array(ok)]:
            ax.text(
                x,
                0,
                'failed',
                rotation=90,
                ha='center',
                va='bottom',
                fontsize=7)
        ax.set_xticks(xs, arms, rotation=60, ha='right', fontsize=7)
        ax.set_title(f'{task["name"]}\n{task["metric"]}', fontsize=8)
        finite = [m for m in means if m is not None]
        if finite:
            low = min(m - s for m, s in zip(finite, stds))
            high = max(m + s for m, s in zip(finite, stds))
            pad = 0.15 * max(high - low, 1e-6)
            ax.set_ylim(max(0.0, low - pad), high + pad)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_curves(curves: Dict[str, List[str]],
                path: str,
                views_per_step: Optional[Dict[str, int]] = None) -> bool:
    """Pre-training curves per arm: ``loss_rec`` and the MI diagnostics.

    The x axis is the iteration times the arm's masks per image, so arms
    that saw as many masked views end at the same place (a K-mask arm
    takes K times fewer steps for as many views).

    Args:
        curves (Dict[str, List[str]]): arm -> its seeds' ``scalars.json``.
        views_per_step (Dict[str, int], optional): arm -> masks per image.

    Returns:
        bool: whether anything was drawn.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    scale = views_per_step or {}
    series: Dict[str, Dict[str, list]] = {}
    for arm, logs in curves.items():
        for log in logs:
            for record in read_scalars(log):
                for key in CURVE_KEYS:
                    if key in record and 'step' in record:
                        series.setdefault(key, {}).setdefault(arm, []).append(
                            (record['step'] * scale.get(arm, 1), record[key],
                             log))
    keys = [k for k in CURVE_KEYS if k in series]
    if not keys:
        return False
    fig, axes = plt.subplots(
        1, len(keys), figsize=(4 * len(keys), 3.2), squeeze=False)
    arms = list(curves)
    colours = dict(zip(arms, plt.cm.tab10(np.arange(len(arms)) % 10)))
    for ax, key in zip(axes[0], keys):
        for arm, points in series[key].items():
            for i, log in enumerate(sorted({p for _, _, p in points})):
                xs = [s for s, _, p in points if p == log]
                ys = [v for _, v, p in points if p == log]
                ax.plot(
                    xs,
                    ys,
                    color=colours[arm],
                    lw=1,
                    alpha=0.8,
                    label=arm if i == 0 else None)
        ax.set_title(key, fontsize=9)
        ax.set_xlabel('iteration x masks per image', fontsize=8)
        ax.legend(fontsize=7)
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
    curves: Dict[str, List[str]] = {}
    for r in records:
        if r and r['kind'] == 'pretrain' and r.get('scalars') and \
                osp.isfile(r['scalars']):
            curves.setdefault(r['arm'], []).append(r['scalars'])
    plot_tasks(summary, files['tasks_png'])
    masks = {a.name: a.num_masks for a in suite.arms}
    if curves and plot_curves(
            curves, osp.join(out, 'results_pretrain_curves.png'), masks):
        files['curves_png'] = osp.join(out, 'results_pretrain_curves.png')
    summary['files'] = files
    write_json(summary, files['json'])
    from ..engine.atomic_local_backend import AtomicLocalBackend
    AtomicLocalBackend().put_text(csv_text(summary), files['csv'])
    AtomicLocalBackend().put_text(markdown(summary), files['md'])
    return summary
