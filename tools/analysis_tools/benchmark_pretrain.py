"""Speed, memory and FLOPs of a pre-training step against MMPretrain's MAE.

    tools/analysis_tools/benchmark_pretrain.py CONFIG [--baseline CONFIG] \
        [--views N] [--repeats R] [--e2e-epochs E] [--out result.json]

Both models run in this process, alternating, with as many masked views per
step (MI-MAE: N / K images of K masks; MAE: N images). Prints a Markdown
table: per-view step time and its ratio to MAE, the parts' share of the step,
peak memory per view, FLOPs and model FLOP utilisation against the device's
measured matmul peak. On a GPU with bf16 the step runs under bf16 autocast.
See mimae/benchmark/pretrain_speed.py for what each number is.

With --e2e-epochs E it then trains, through the real runner and data
pipeline, the config for E epochs and MAE (same encoder, decoder, data and
batch) for K x E epochs, as many masked views, and prints where each run's
wall time went (mimae/benchmark/runner_timing.py).
"""
import argparse
import json
import tempfile

from mmengine.config import DictAction
from mmengine.logging import MMLogger

from mimae.benchmark.pretrain_speed import benchmark, format_table
from mimae.benchmark.runner_timing import equal_views_pair, format_pair


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='MI-MAE pre-training config')
    parser.add_argument(
        '--baseline',
        help='baseline config (default: MMPretrain\'s MAE with the '
        'config\'s encoder and decoder)')
    parser.add_argument(
        '--views',
        type=int,
        help='masked views per step (default: the config\'s batch x K)')
    parser.add_argument('--repeats', type=int, default=10)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument(
        '--device', default='auto', choices=['auto', 'cpu', 'cuda'])
    parser.add_argument(
        '--amp', default='auto', choices=['auto', 'bf16', 'off'])
    parser.add_argument(
        '--e2e-epochs',
        type=int,
        help='also train E epochs against MAE\'s K x E through the runner')
    parser.add_argument(
        '--work-dir', help='work_dir of the end-to-end runs (default: temp)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config (e.g. the data root)')
    parser.add_argument('--out', help='write the result as JSON here')
    args = parser.parse_args()
    # The optimizer builder logs every parameter group at INFO.
    MMLogger.get_instance('benchmark_pretrain', log_level='WARNING')
    result = benchmark(
        args.config,
        baseline=args.baseline,
        views=args.views,
        repeats=args.repeats,
        warmup=args.warmup,
        device=args.device,
        amp=args.amp,
        cfg_options=args.cfg_options)
    print(format_table(result))
    if args.e2e_epochs:
        with tempfile.TemporaryDirectory() as tmp:
            pair = equal_views_pair(args.config, args.e2e_epochs, args.work_dir
                                    or tmp, args.cfg_options)
        print(format_pair(pair))
        result['end_to_end'] = pair
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)


if __name__ == '__main__':
    main()
