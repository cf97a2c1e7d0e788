"""How the project's tools prepare a config before building a runner.

Shared by ``tools/train.py`` and ``tools/test.py`` so that every config kind
(pre-training, classification, detection, segmentation) gets the same
treatment and bad input fails before anything is built.
"""
import os.path as osp
from typing import Iterator, Sequence, Tuple

from mmengine.config import Config

_DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def _datasets(cfg: dict, where: str) -> Iterator[Tuple[str, dict]]:
    """Yield every dataset config, wrappers' inner datasets included."""
    yield where, cfg
    inner = cfg.get('dataset')
    if isinstance(inner, dict):
        yield from _datasets(inner, f'{where}.dataset')
    for i, item in enumerate(cfg.get('datasets') or []):
        if isinstance(item, dict):
            yield from _datasets(item, f'{where}.datasets[{i}]')


def check_data_roots(cfg: Config,
                     dataloaders: Sequence[str] = _DATALOADERS) -> None:
    """Refuse a config whose dataset ``data_root`` does not exist.

    Without this, a missing root surfaces as an empty dataset or a
    ``FileNotFoundError`` deep inside the dataloader, after the model has
    been built. Only the ``dataloaders`` the run uses are checked
    (evaluation needs no training data), and only local paths (URIs such as
    ``s3://`` are left to their backends).

    Raises:
        FileNotFoundError: naming the config key, the path and the fix.
    """
    for loader in dataloaders:
        dataloader = cfg.get(loader)
        if not dataloader or not isinstance(dataloader.get('dataset'), dict):
            continue
        for where, dataset in _datasets(dataloader['dataset'],
                                        f'{loader}.dataset'):
            root = dataset.get('data_root')
            if not root or '://' in str(root) or osp.isdir(root):
                continue
            raise FileNotFoundError(
                f'{where}.data_root={root!r} does not exist (resolved from '
                f'{osp.abspath(".")}). Put the dataset there in its standard '
                f'layout or point the config at it, e.g. --cfg-options '
                f'{where}.data_root=/path/to/data')


def add_metrics_file(cfg: Config, out_file: str) -> None:
    """Make the run write its evaluation metrics to ``out_file`` (JSON).

    Appends a :class:`mimae.engine.MetricsFileHook` to ``custom_hooks``; the
    last validation (training) or the test (evaluation) wins.
    """
    cfg.custom_hooks = [
        *(cfg.get('custom_hooks') or []),
        dict(type='MetricsFileHook', out_file=osp.abspath(out_file))
    ]


# mmengine's visualization backends, by the name the tools take.
VIS_BACKENDS = {
    'tensorboard': 'TensorboardVisBackend',  # pip install tensorboard
    'wandb': 'WandbVisBackend',  # pip install wandb; wandb login
    'mlflow': 'MLflowVisBackend',  # pip install mlflow
}


def add_vis_backends(cfg: Config, names: Sequence[str]) -> None:
    """Log scalars (losses, lr, the MI diagnostics) to more backends.

    Appends mmengine's TensorBoard, W&B or MLflow backend to the config's
    visualizer, after the local files it already writes; the config keeps
    its own visualizer type (MMPretrain's, MMDet's or MMSeg's). TensorBoard
    writes to ``<work_dir>/<timestamp>/vis_data``.

    Raises:
        ValueError: for a name that is not in :data:`VIS_BACKENDS`.
    """
    unknown = sorted(set(names) - set(VIS_BACKENDS))
    if unknown:
        raise ValueError(f'unknown visualization backend(s) {unknown}; '
                         f'known: {sorted(VIS_BACKENDS)}')
    visualizer = cfg.get('visualizer') or dict(type='Visualizer')
    backends = list(
        visualizer.get('vis_backends') or [dict(type='LocalVisBackend')])
    backends += [dict(type=VIS_BACKENDS[name]) for name in names]
    visualizer['vis_backends'] = backends
    cfg.visualizer = visualizer
