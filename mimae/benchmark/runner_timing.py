"""Where the wall time of a real training run goes.

:func:`time_training` runs ``Runner.train()`` on a config, unchanged except
for its work_dir, and splits the wall time into data loading (waiting for
the next batch), forward (data preprocessing, the model, the loss parsing),
backward, optimizer (step and zero_grad), hooks, checkpointing and the rest
(building the loop, the optimizer and the dataloader workers). The pieces
are timed by wrapping the runner's own methods on the instance, with the
device synchronised around each, so nothing in mmengine changes.

:func:`equal_views_pair` runs an MI-MAE config for E epochs and MMPretrain's
MAE with the same encoder, decoder, data and batch for K * E epochs, the
pair that sees as many masked views (the mini-benchmark's rule).
"""
import copy
import os.path as osp
import time
from collections import defaultdict
from typing import Callable, Dict, Iterator

import torch
from mmengine.config import Config

from .pretrain_speed import mae_twin

PIECES = ('data', 'forward', 'backward', 'optimizer', 'hooks', 'checkpoint',
          'other')


class _Stopwatch:
    """Accumulates the time spent in wrapped callables, by key."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.totals: Dict[str, float] = defaultdict(float)

    def now(self) -> float:
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)
        return time.perf_counter()

    def wrap(self, obj, name: str, key: str) -> None:
        fn = getattr(obj, name)

        def timed(*args, **kwargs):
            start = self.now()
            try:
                return fn(*args, **kwargs)
            finally:
                self.totals[key] += self.now() - start

        setattr(obj, name, timed)


class _TimedLoader:
    """A dataloader that times how long each ``next`` waits."""

    def __init__(self, loader, watch: _Stopwatch) -> None:
        self._loader = loader
        self._watch = watch

    def __len__(self) -> int:
        return len(self._loader)

    def __getattr__(self, name: str):
        return getattr(self._loader, name)

    def __iter__(self) -> Iterator:
        batches = iter(self._loader)
        while True:
            start = self._watch.now()
            try:
                batch = next(batches)
            except StopIteration:
                return
            finally:
                self._watch.totals['data'] += self._watch.now() - start
            yield batch


def time_training(cfg: Config) -> dict:
    """Train ``cfg`` with a runner and return where the time went.

    Returns:
        dict: ``wall_s`` (``Runner.train()``), ``iters``, ``pieces_s`` (the
        keys of ``PIECES``; they add up to ``wall_s``).
    """
    from mmengine.runner import Runner
    runner = Runner.from_cfg(cfg)
    watch = _Stopwatch(next(runner.model.parameters()).device)
    loop = runner.train_loop
    loop.dataloader = _TimedLoader(loop.dataloader, watch)
    watch.wrap(runner, 'save_checkpoint', 'checkpoint')
    watch.wrap(runner.model, 'train_step', 'train_step')
    call_hook = runner.call_hook

    def call_hook_then_wrap(fn_name: str, **kwargs) -> None:
        # The optimizer wrapper exists once train() reaches the hooks.
        if fn_name == 'before_train':
            watch.wrap(runner.optim_wrapper, 'backward', 'backward')
            watch.wrap(runner.optim_wrapper, 'step', 'optimizer')
            watch.wrap(runner.optim_wrapper, 'zero_grad', 'optimizer')
        call_hook(fn_name, **kwargs)

    runner.call_hook = call_hook_then_wrap
    watch.wrap(runner, 'call_hook', 'hooks')
    start = watch.now()
    runner.train()
    wall = watch.now() - start
    t = watch.totals
    pieces = dict(
        data=t['data'],
        forward=t['train_step'] - t['backward'] - t['optimizer'],
        backward=t['backward'],
        optimizer=t['optimizer'],
        hooks=t['hooks'] - t['checkpoint'],
        checkpoint=t['checkpoint'])
    pieces['other'] = wall - sum(pieces.values())
    return dict(wall_s=wall, iters=runner.iter, pieces_s=pieces)


def equal_views_pair(config: str,
                     epochs: int,
                     work_dir: str,
                     cfg_options: dict = None,
                     log: Callable[[str], None] = print) -> dict:
    """Time MI-MAE for ``epochs`` and MAE for K x ``epochs``, same views.

    Args:
        config (str): MI-MAE pre-training config.
        epochs (int): MI-MAE epochs (E).
        work_dir (str): Parent of the two runs' work_dirs.
        cfg_options (dict, optional): Applied to both runs (e.g. a data
            root).
        log (Callable): Progress messages.

    Returns:
        dict: one entry per run (name, epochs, images and views per step,
        :func:`time_training`'s result) and the wall-time ratio.
    """
    import mimae  # noqa: F401 (registers the models)
    runs = []
    base = Config.fromfile(config)
    if cfg_options:
        base.merge_from_dict(cfg_options)
    num_masks = base.model.backbone.get('num_masks', 1)
    for name, model, run_epochs in (('MAE', mae_twin(base.model),
                                     num_masks * epochs),
                                    (base.model.type, base.model, epochs)):
        cfg = copy.deepcopy(base)
        cfg.model = model
        cfg.train_cfg.max_epochs = run_epochs
        cfg.work_dir = osp.join(work_dir, name.lower())
        cfg.experiment_name = f'e2e_{name.lower()}'
        cfg.resume = False
        cfg.load_from = None
        # The per-iteration log lines still get formatted (the hooks' time
        # counts them); only their printing is left out.
        cfg.log_level = 'WARNING'
        views = 1 if model is not base.model else num_masks
        log(f'{name}: {run_epochs} epochs, {cfg.train_dataloader.batch_size}'
            f' images x {views} views per step')
        runs.append(
            dict(
                name=name,
                epochs=run_epochs,
                images_per_step=cfg.train_dataloader.batch_size,
                views_per_image=views,
                **time_training(cfg)))
    return dict(
        config=config,
        runs=runs,
        wall_ratio=runs[1]['wall_s'] / runs[0]['wall_s'])


def format_pair(result: dict) -> str:
    """A Markdown table of :func:`equal_views_pair`'s result."""
    head = ['run', 'epochs', 'images x views / step', 'iters', 'wall s'
            ] + [f'{p} s' for p in PIECES]
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for run in result['runs']:
        lines.append('| ' + ' | '.join([
            run['name'],
            str(run['epochs']),
            f"{run['images_per_step']} x {run['views_per_image']}",
            str(run['iters']),
            f"{run['wall_s']:.1f}",
        ] + [f"{run['pieces_s'][p]:.1f}" for p in PIECES]) + ' |')
    lines.append(f"\nWall time {result['runs'][1]['name']} / MAE for as "
                 f"many masked views: {result['wall_ratio']:.3f}.")
    return '\n'.join(lines)
