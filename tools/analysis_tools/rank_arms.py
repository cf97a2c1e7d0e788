"""Rank a suite's arms by the average of several tasks, per seed.

    tools/analysis_tools/rank_arms.py work_dirs/benchmark/SUITE/results.json \
        --tasks knn linear lowshot-10pct

The selection rule of the MI-weight sweep: for each run (an arm at one
budget), average the tasks' values seed by seed (seeds where every task
finished), then the mean and sample std of those averages over seeds.
Prints a Markdown table, best first.
"""
import argparse
import json

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('results', help="a suite's results.json")
    parser.add_argument('--tasks', nargs='+', required=True)
    args = parser.parse_args()
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


if __name__ == '__main__':
    main()
