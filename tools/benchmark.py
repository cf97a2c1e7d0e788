"""Run a benchmark suite: pre-training arms x seeds x downstream tasks.

    tools/benchmark.py configs/benchmark/mini_digits.py          # run / resume
    tools/benchmark.py SUITE --dry-run                       # print commands
    tools/benchmark.py SUITE --checkpoints mimae=a.pth mae=b.pth  # eval only
    tools/benchmark.py SUITE --report-only                      # table again

Every cell runs through tools/train.py / tools/test.py (or the dist_ / slurm_
scripts, per the suite's launcher) in its own folder under the suite's
work_dir; finished cells are skipped on a re-run. Writes results.{json,csv,md}
and PNG plots there. Exit status 1 if any cell failed, 2 for a bad suite.
"""
import argparse
import os.path as osp
import sys
import warnings

# mmengine resolves every `pkg::` config base through pkg_resources, which
# warns each time; a suite loads dozens of configs.
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

from mmengine.config import DictAction  # noqa: E402

import mimae  # noqa: E402,F401  (first: patches the stack)
from mimae.benchmark.execute import CellRunner, run_suite  # noqa: E402
from mimae.benchmark.report import markdown, write_report  # noqa: E402
from mimae.benchmark.suite import Suite, SuiteError  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.splitlines()[1:]))
    parser.add_argument('suite', help='suite config (configs/benchmark/)')
    parser.add_argument('--work-dir', help='override the suite\'s work_dir')
    parser.add_argument(
        '--checkpoints',
        nargs='+',
        metavar='NAME=PATH',
        help='evaluation-only mode: run the tasks on these checkpoints '
        'instead of pre-training the suite\'s arms')
    parser.add_argument(
        '--dry-run',
        action='store_true',
        help='print every cell\'s command without running anything')
    parser.add_argument(
        '--report-only',
        action='store_true',
        help='rebuild the results from the finished cells, run nothing')
    parser.add_argument(
        '--vis-backend',
        nargs='+',
        default=[],
        choices=['tensorboard', 'wandb', 'mlflow'],
        help='every cell also logs to TensorBoard, W&B or MLflow')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override keys of the suite file, e.g. seeds=[0] '
        'launcher.jobs=2')
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    checkpoints = {}
    for item in args.checkpoints or []:
        name, sep, path = item.partition('=')
        if not sep:
            print(
                f'--checkpoints takes NAME=PATH, got {item!r}',
                file=sys.stderr)
            return 2
        checkpoints[name] = path
    try:
        suite = Suite.fromfile(
            args.suite,
            checkpoints=checkpoints,
            work_dir=args.work_dir,
            cfg_options=args.cfg_options)
        runner = CellRunner(
            suite,
            log=lambda line: print(line, flush=True),
            vis_backends=args.vis_backend,
            # This checkout's (or wheel's) tools run the cells.
            tools_dir=osp.dirname(osp.abspath(__file__)))
        if args.dry_run:
            run_suite(runner, dry_run=True)
            return 0
        if args.report_only:
            records = [runner.current(c) for c in suite.cells()]
        else:
            records = run_suite(runner)  # checks every override first
    except SuiteError as error:
        print(f'benchmark: {error}', file=sys.stderr)
        return 2
    summary = write_report(suite, records)
    print(markdown(summary))
    files = summary['files']
    print(
        'Results: ' + ', '.join(osp.relpath(p) for p in files.values()),
        flush=True)
    missing = sum(1 for r in records if r is None)
    failed = len(summary['failed'])
    if failed or missing:
        print(
            f'benchmark: {failed} cell(s) failed, {missing} not run; see '
            'the failed cells above.',
            file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
