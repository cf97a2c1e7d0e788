"""Train any config of this project (pre-training, and det/seg/cls later).

Imports :mod:`mimae` before anything else (compatibility fixes, module
registration), then builds an mmengine runner in the config's
``default_scope`` (mmpretrain, mmdet or mmseg), as their own train scripts do.
"""
import argparse
import os
import os.path as osp

import torch.distributed as dist
from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

import mimae  # noqa: F401  (first: patches the stack, registers modules)
from mimae.engine.resume_checkpoint import resume_checkpoint
from mimae.runner_config import (add_metrics_file, add_vis_backends,
                                 check_data_roots)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint, or with no value from the latest '
        'checkpoint in the work directory (checked to be whole first)')
    parser.add_argument(
        '--resume-fallback',
        action='store_true',
        help='with --resume: if the checkpoint is truncated or corrupt, '
        'resume from the newest older one that is whole')
    parser.add_argument(
        '--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the lr by the actual over the config\'s base batch size')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value (e.g. '
        'train_dataloader.batch_size=32; a transfer config\'s pre-trained '
        'checkpoint: model.backbone.init_cfg.checkpoint=CKPT)')
    parser.add_argument(
        '--metrics-out',
        help='write the last validation metrics to this JSON file')
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
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command line to the config (CLI wins)."""
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.amp and cfg.optim_wrapper.get('type') not in (
            'AmpOptimWrapper', 'AutoAmpOptimWrapper'):
        # bf16 where the GPU has it, fp16 with loss scaling where not.
        cfg.optim_wrapper.type = 'AutoAmpOptimWrapper'
    if args.resume is None and int(
            os.environ.get('TORCHELASTIC_RESTART_COUNT', 0)) > 0:
        # torchrun restarted the processes (dist_train.sh MAX_RESTARTS).
        args.resume = 'auto'
    if args.resume is not None:
        # mmengine would find the latest itself, and fail on a damaged file
        # without naming it.
        requested = None if args.resume == 'auto' else args.resume
        cfg.resume = True
        cfg.load_from = resume_checkpoint(cfg.work_dir, requested,
                                          args.resume_fallback)
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.metrics_out is not None:
        add_metrics_file(cfg, args.metrics_out)
    add_vis_backends(cfg, args.vis_backend)
    return cfg


def main() -> None:
    args = parse_args()
    cfg = merge_args(Config.fromfile(args.config), args)
    check_data_roots(cfg)
    runner = (
        RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg))
    runner.train()
    if runner.rank == 0:
        last = osp.join(runner.work_dir, 'last_checkpoint')
        ckpt = open(last).read().strip() if osp.isfile(last) else None
        print(f'Training done. Checkpoint: {ckpt}  '
              f'Log: {osp.join(runner.log_dir, runner.timestamp + ".log")}')
    if dist.is_initialized():
        # mmengine leaves the group open; an unsynchronised exit can abort
        # a gloo peer still shutting down.
        dist.barrier()
        dist.destroy_process_group()


if __name__ == '__main__':
    main()
