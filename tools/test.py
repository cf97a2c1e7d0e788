"""Evaluate a checkpoint with any config of this project (cls, det, seg).

Like tools/train.py: imports :mod:`mimae` first and runs an mmengine runner
in the config's ``default_scope``.
"""
import argparse
import os
import os.path as osp

import torch.distributed as dist
from mmengine.config import Config, DictAction
from mmengine.model import is_model_wrapper
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

import mimae  # noqa: F401  (first: patches the stack, registers modules)
from mimae.runner_config import (add_metrics_file, add_show_dir,
                                 add_vis_backends, check_data_roots,
                                 checked_cfg_options, use_tta)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument(
        'checkpoint',
        nargs='?',
        help='checkpoint of the whole model; without it the model is '
        'evaluated as its config initialises it (e.g. a k-NN evaluation '
        'whose backbone loads a pre-training checkpoint via init_cfg)')
    parser.add_argument('--work-dir', help='the dir to save logs and metrics')
    parser.add_argument(
        '--out', help='dump the predictions to this pickle file')
    parser.add_argument(
        '--show-dir', help='draw every prediction into this directory')
    parser.add_argument(
        '--tta',
        action='store_true',
        help="test with the config's test-time augmentation (tta_model, "
        'tta_pipeline)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value')
    parser.add_argument(
        '--metrics-out', help='write the metrics to this JSON file')
    parser.add_argument(
        '--vis-backend',
        nargs='+',
        default=[],
        choices=['tensorboard', 'wandb', 'mlflow'],
        help='also log to TensorBoard, Weights & Biases or MLflow')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(checked_cfg_options(cfg, args.cfg_options))
    cfg.launcher = args.launcher
    # dist_test.sh passes "" for "no checkpoint".
    args.checkpoint = args.checkpoint or None
    cfg.load_from = args.checkpoint
    if args.metrics_out is not None:
        add_metrics_file(cfg, args.metrics_out)
    add_vis_backends(cfg, args.vis_backend)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--out must be a .pkl file, got {args.out}')
        cfg.test_evaluator = [
            *(cfg.test_evaluator if isinstance(cfg.test_evaluator, list) else
              [cfg.test_evaluator]),
            dict(type='mmengine.DumpResults', out_file_path=args.out)
        ]
    if args.show_dir is not None:
        add_show_dir(cfg, args.show_dir)
    if args.tta:
        use_tta(cfg)
    check_data_roots(cfg, ['test_dataloader'])
    runner = (
        RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg))
    if args.checkpoint is None:
        # Runner.test() loads `load_from` but never runs init_weights(), so
        # a Pretrained init_cfg would otherwise be ignored.
        model = runner.model
        (model.module if is_model_wrapper(model) else model).init_weights()
    metrics = runner.test()
    if runner.rank == 0:
        print('Metrics: ' + ', '.join(f'{k}={v}' for k, v in metrics.items()))
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


if __name__ == '__main__':
    main()
