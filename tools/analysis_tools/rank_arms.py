"""Rank a suite's arms by the average of several tasks, per seed.

    tools/analysis_tools/rank_arms.py work_dirs/benchmark/SUITE/results.json \
        --tasks knn linear lowshot-10pct [--against RUN]

The selection rule of the MI-weight sweep: for each run (an arm at one
budget), average the tasks' values seed by seed (seeds where every task
finished), then the mean and sample std of those averages over seeds.
Prints a Markdown table, best first. With ``--against RUN`` (e.g.
``'max1.0-min1.0 @32'``) also every other run's paired difference to it,
per task and for the average: mean ± std over the shared seeds, with a
two-sided paired t-test from 3 seeds on.
"""
import argparse
import json

import numpy as np


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('results', help="a suite's results.json")
    parser.add_argument('--tasks', nargs='+', required=True)
    parser.add_argument(
        '--against', help='a run to compare every other with, seed by seed')
    args = parser.parse_args(argv)
    with open(args.results) as f:
        rows = json.load(f)['rows']
    values = {}
    for row in rows:
        if row['task'] in args.tasks:
            run = row.get('run', row['arm']).replace('/v', ' @')
            values.setdefault(run, {})[row['task']] = row['values']
    ranked = []
    for arm, by_task in values.items():
        seeds = set.intersection(*(set(by_task.get(t, {}))
                                   for t in args.tasks))
        averages = [
            np.mean([by_task[t][s] for t in args.tasks]) for s in sorted(seeds)
        ]
        if averages:
            std = np.std(averages, ddof=1) if len(averages) > 1 else np.nan
            ranked.append(
                (float(np.mean(averages)), float(std), arm, len(averages)))
    print(f'| arm | average of {", ".join(args.tasks)} | seeds |')
    print('| --- | --- | --- |')
    for mean, std, arm, n in sorted(ranked, reverse=True):
        print(f'| {arm} | {mean:.2f} ± {std:.2f} | {n} |')
    if args.against:
        print_differences(values, args.tasks, args.against)


def print_differences(values: dict, tasks: list, against: str) -> None:
    """Each run minus ``against``, seed by seed, per task and averaged."""
    from scipy import stats
    if against not in values:
        raise SystemExit(f'--against {against!r}: no such run; the runs are '
                         f'{sorted(values)}')

    def per_seed(run: str) -> dict:
        by_task = values[run]
        seeds = set.intersection(*(set(by_task.get(t, {})) for t in tasks))
        rows = {t: {s: by_task[t][s] for s in seeds} for t in tasks}
        rows['average'] = {
            s: float(np.mean([by_task[t][s] for t in tasks]))
            for s in seeds
        }
        return rows

    reference = per_seed(against)
    columns = tasks + ['average']
    print()
    print(f'| run - {against} | ' + ' | '.join(columns) + ' |')
    print('| --- |' + ' --- |' * len(columns))
    for run in sorted(values):
        if run == against:
            continue
        own, cells = per_seed(run), []
        for column in columns:
            seeds = sorted(set(own[column]) & set(reference[column]))
            a = np.array([own[column][s] for s in seeds])
            b = np.array([reference[column][s] for s in seeds])
            if len(seeds) < 2:
                cells.append('-')
                continue
            cell = f'{np.mean(a - b):+.2f} ± {np.std(a - b, ddof=1):.2f}'
            if len(seeds) >= 3:  # no p-value from fewer seeds
                p_value = stats.ttest_rel(a, b).pvalue
                cell += f' (p={p_value:.2g}, n={len(seeds)})'
            cells.append(cell)
        print(f'| {run} | ' + ' | '.join(cells) + ' |')


if __name__ == '__main__':
    main()
