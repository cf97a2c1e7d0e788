"""The model zoo: checkpoints by name, downloaded once, hash-checked and
loaded without unpickling code (see each module)."""
from .download import (DownloadError, HashMismatchError, cache_dir, download,
                       expected_hash)
from .index import ZooModel, find_model, list_models, load_index
from .loaders import load_checkpoint, resolve
from .safe_load import UnsafeCheckpointError, safe_torch_load

__all__ = [
    'DownloadError', 'HashMismatchError', 'cache_dir', 'download',
    'expected_hash', 'ZooModel', 'find_model', 'list_models', 'load_index',
    'load_checkpoint', 'resolve', 'UnsafeCheckpointError', 'safe_torch_load'
]
