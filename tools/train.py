"""Train any config of this project (pre-training, and det/seg/cls later).

Imports :mod:`mimae` before anything else (compatibility fixes, module
registration), then builds an mmengine runner in the config's
``default_scope`` (mmpretrain, mmdet or mmseg), as their own train scripts do.
"""
import argparse
import os
import os.path as osp
from typing import Optional, Sequence

import torch.distributed as dist
from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner, find_latest_checkpoint

import mimae  # noqa: F401  (first: patches the stack, registers modules)
from mimae.engine.resume_checkpoint import (CorruptCheckpointError,
                                            check_checkpoint_file,
                                            resume_checkpoint)
from mimae.runner_config import (add_metrics_file, add_vis_backends,
                                 check_data_roots, checked_cfg_options)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint, or with no value from the latest '
        'checkpoint in the work directory (checked to be whole first); a work '
        'directory with nothing to resume is refused')
    parser.add_argument(
        '--resume-if-possible',
        action='store_true',
        help='resume from the latest checkpoint in the work directory if it '
        'holds one, else start afresh (what a restarted process does)')
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
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command line to the config (CLI wins).

    ``--cfg-options`` apply first, so that ``--resume`` looks for its
    checkpoint in the work dir the run will write to (an option may set
    ``work_dir``), as every other flag sees the final config.
    """
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(checked_cfg_options(cfg, args.cfg_options))
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
    # torchrun restarted the processes (dist_train.sh MAX_RESTARTS): a
    # restart before the first checkpoint starts afresh.
    restarted = int(os.environ.get('TORCHELASTIC_RESTART_COUNT', 0)) > 0
    if args.resume is not None or args.resume_if_possible or restarted:
        if_possible = args.resume_if_possible or args.resume is None
        set_resume(cfg, args.resume, if_possible, args.resume_fallback)
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    if args.metrics_out is not None:
        add_metrics_file(cfg, args.metrics_out)
    add_vis_backends(cfg, args.vis_backend)
    return cfg


def set_resume(cfg: Config, requested: Optional[str], if_possible: bool,
               fallback: bool) -> None:
    """Point the run at the checkpoint it resumes from, checked to be whole
    (mmengine would look for it itself, fail on a damaged file without
    naming it, and start afresh silently when there is none)."""
    requested = None if requested in (None, 'auto') else requested
    checkpoint = resume_checkpoint(cfg.work_dir, requested, fallback)
    if checkpoint is None and not if_possible:
        raise SystemExit(
            f'--resume: nothing to resume in {cfg.work_dir} (no '
            'last_checkpoint, epoch_*.pth or iter_*.pth). Start the run '
            'without --resume, point --work-dir at the run to continue, or '
            'use --resume-if-possible to start afresh when there is none.')
    cfg.resume = checkpoint is not None
    if checkpoint is not None:
        cfg.load_from = checkpoint


def final_checkpoint(work_dir: str,
                     resumed_from: Optional[str] = None) -> Optional[str]:
    """The checkpoint a finished run leaves: ``last_checkpoint``'s, unless
    it is damaged (a ``--resume-fallback`` run that trained nothing new),
    then the one it resumed from."""
    last = find_latest_checkpoint(work_dir)
    if last and osp.isfile(last):
        try:
            check_checkpoint_file(last)
            return last
        except CorruptCheckpointError:
            pass
    return resumed_from or last


def main() -> None:
    args = parse_args()
    cfg = merge_args(Config.fromfile(args.config), args)
    check_data_roots(cfg)
    runner = (
        RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg))
    runner.train()
    if runner.rank == 0:
        ckpt = final_checkpoint(runner.work_dir, cfg.get('load_from'))
        print(f'Training done. Checkpoint: {ckpt}  '
              f'Log: {osp.join(runner.log_dir, runner.timestamp + ".log")}')
    if dist.is_initialized():
        # mmengine leaves the group open; an unsynchronised exit can abort
        # a gloo peer still shutting down.
        dist.barrier()
        dist.destroy_process_group()


if __name__ == '__main__':
    main()
