"""mmengine checkpoint loaders that check, load safely and convert.

Registered in mmengine's :class:`~mmengine.runner.CheckpointLoader` for local
paths and ``http(s)://`` (by :mod:`mimae.compat`, as
``safe_checkpoint_loading``), so every load that goes through mmengine uses
them: ``init_cfg=dict(type='Pretrained', checkpoint=...)`` in MMPretrain,
MMDet and MMSeg models, ``load_from``, ``--resume``, and
``mmpretrain.get_model(..., pretrained=...)``. Each one

1. resolves a model-zoo name (:mod:`mimae.zoo.index`) to its URL;
2. downloads a URL once into the cache, checking its hash (from the URL, or
   from the index row that lists the URL)
   (:mod:`mimae.zoo.download`; in a distributed run local rank 0 downloads
   while the others wait);
3. reads the file with :func:`mimae.zoo.safe_load.safe_torch_load`;
4. converts official MAE / timm checkpoints to mmengine's format
   (:func:`mimae.checkpoint_keys.to_mmengine_checkpoint`), so that they load
   with ``prefix='backbone.'`` like this project's own.
"""
import os
import os.path as osp
from typing import Any, Optional

import torch
from mmengine.dist import get_dist_info

from ..checkpoint_keys import to_mmengine_checkpoint
from .download import download
from .index import find_model, find_weights, is_model_name
from .safe_load import safe_torch_load


def resolve(checkpoint: str) -> str:
    """A local path for a path, URL or zoo name (downloading if needed)."""
    if checkpoint.startswith(('http://', 'https://')):
        row = find_weights(checkpoint)
        return _download_once(checkpoint, row.weights_hash if row else None)
    path = osp.expanduser(checkpoint)
    if osp.isfile(path):
        return path
    if is_model_name(checkpoint):
        model = find_model(checkpoint)  # KeyError with the closest names
        if not model.weights:
            raise FileNotFoundError(
                f'{checkpoint!r} is in the model index ({model.source}) '
                'but has no published weights')
        if model.weights.startswith(('http://', 'https://')):
            # This row's hash, not that of another row with the same URL.
            return _download_once(model.weights, model.weights_hash)
        return resolve(model.weights)
    # The tiny transfer configs start from the demo's checkpoint.
    hint = (' `make demo` writes it.'
            if 'work_dirs/demo/' in checkpoint.replace('\\', '/') else '')
    raise FileNotFoundError(
        f'checkpoint {checkpoint} can not be found: it is no file, URL or '
        f'model name of the index.{hint} Set another with --cfg-options '
        '(model.backbone.init_cfg.checkpoint=PATH|URL|NAME, or load_from=...);'
        ' tools/download_checkpoint.py --list names those of the zoo.')


def _download_once(url: str, index_hash: Optional[str]) -> str:
    """Rank 0 of each node downloads; the other ranks then find the file."""
    rank, world_size = get_dist_info()
    if world_size == 1:
        return download(url, index_hash)
    local_rank = int(os.environ.get('LOCAL_RANK', rank))
    path = download(url, index_hash) if local_rank == 0 else None
    torch.distributed.barrier()
    return path or download(url, index_hash)


def load_checkpoint(checkpoint: str, map_location: Any = None) -> dict:
    """Load a path, URL or zoo name as an mmengine checkpoint dict."""
    path = resolve(checkpoint)
    return to_mmengine_checkpoint(
        safe_torch_load(path, map_location=map_location), checkpoint)


def load_from_local(filename: str, map_location: Any = None) -> dict:
    """mmengine scheme ``''``: a file path or a model-zoo name."""
    return load_checkpoint(filename, map_location)


def load_from_http(filename: str, map_location: Any = None) -> dict:
    """mmengine scheme ``http(s)://``: download once, hash-checked."""
    return load_checkpoint(filename, map_location)


def register() -> None:
    """Put these loaders in place of mmengine's local and HTTP ones."""
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local, force=True)
    CheckpointLoader.register_scheme(
        prefixes=('http://', 'https://'), loader=load_from_http, force=True)
