"""Load checkpoint files without running code from them.

``torch.load(weights_only=True)`` refuses every global that is not a tensor
or a plain container, and mmengine's checkpoints hold a few: the message
hub's :class:`~mmengine.logging.HistoryBuffer` objects, numpy arrays,
scalars and dtypes in ``meta`` and the message hub, and (inside each
``HistoryBuffer``) ``getattr(HistoryBuffer, 'min')``-style references to its
statistics methods. Exactly those are allowed here; ``getattr`` only in
that one form, since a free ``getattr`` in a pickle reaches ``eval``. Any
other global refuses the file, naming the global and the opt-in for a file
the user trusts.
"""
import os
import os.path as osp
import pickle
import re
from typing import Any, Callable, List, Tuple, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

# A file (or every file, ``*``) the user trusts: loaded with full unpickling.
TRUST_ENV = 'MIMAE_TRUSTED_CHECKPOINTS'


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint needs a global that a weights-only load does not run."""


# HistoryBuffer's built-in statistics; register_statistics adds to the dict.
_STATISTICS = ('min', 'max', 'current', 'mean')


def _history_buffer_getattr(obj: Any, name: str) -> Callable:
    """``getattr`` as HistoryBuffer's pickles use it, and nothing else."""
    if obj is HistoryBuffer and (name in _STATISTICS
                                 or name in HistoryBuffer._statistics_methods):
        return getattr(obj, name)
    raise UnsafeCheckpointError(
        f'the checkpoint calls getattr({obj!r}, {name!r}); only '
        "getattr(HistoryBuffer, <statistics method>) is allowed")


def _numpy_globals() -> List[Union[Callable, Tuple[Callable, str]]]:
    """numpy's array, scalar and dtype reconstructors, under the module
    names numpy 1 (``numpy.core``) and numpy 2 (``numpy._core``) pickle."""
    core = getattr(np, '_core', None) or np.core  # numpy 2 / numpy 1
    multiarray = core.multiarray
    allowed: List[Union[Callable, Tuple[Callable,
                                        str]]] = [np.ndarray, np.dtype]
    for core in ('numpy.core', 'numpy._core'):
        allowed += [(multiarray._reconstruct,
                     f'{core}.multiarray._reconstruct'),
                    (multiarray.scalar, f'{core}.multiarray.scalar')]
    # numpy >= 1.25 pickles a dtype as its class (numpy.dtypes.Float64DType)
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        allowed += [
            getattr(dtypes, name) for name in dir(dtypes)
            if name.endswith('DType')
        ]
    return allowed


SAFE_GLOBALS = [
    HistoryBuffer, (_history_buffer_getattr, 'builtins.getattr'),
    (_history_buffer_getattr, '__builtin__.getattr'), *_numpy_globals()
]


def trusted(path: str) -> bool:
    """Whether ``MIMAE_TRUSTED_CHECKPOINTS`` (``os.pathsep``-separated
    paths, or ``*``) names this file."""
    names = [n for n in os.environ.get(TRUST_ENV, '').split(os.pathsep) if n]
    return '*' in names or any(
        osp.realpath(n) == osp.realpath(path) for n in names)


def safe_torch_load(path: str, map_location: Any = None) -> Any:
    """``torch.load`` that runs no code from the file.

    Args:
        path (str): A local checkpoint file.
        map_location: As for :func:`torch.load`.

    Raises:
        UnsafeCheckpointError: naming every global outside the allowed set,
            and how to trust the file.
    """
    if trusted(path):
        return torch.load(path, map_location=map_location, weights_only=False)
    try:
        with torch.serialization.safe_globals(SAFE_GLOBALS):
            return torch.load(
                path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        reason = _reason(error)
        if 'truncated' in reason:
            raise _damaged(path, error) from None
        unsafe = _unsafe_globals(path, error)
        if unsafe and not all(map(_well_formed, unsafe)):
            raise _damaged(path, error) from None  # a cut legacy pickle
        what = (f'needs {unsafe}, which mimae does not unpickle: a checkpoint '
                'can run any code through them' if unsafe else
                f'cannot be loaded without running code from it: {reason}')
        # torch's own message advises weights_only=False, for any file.
        raise UnsafeCheckpointError(
            f'{path} {what}. If you trust this file, set {TRUST_ENV}={path} '
            f"(paths separated by '{os.pathsep}', or '*' for every file) to "
            'load it with full unpickling.') from None
    except (RuntimeError, EOFError) as error:
        # torch's "PytorchStreamReader failed reading zip archive" (a
        # truncated file) or a cut legacy pickle: neither names the file.
        raise _damaged(path, error) from None


def _unsafe_globals(path: str, error: Exception) -> List[str]:
    """The globals a checkpoint needs beyond the allowed set: read from the
    zip archive, or, for the legacy (non-zip) format, from torch's error."""
    try:
        found = torch.serialization.get_unsafe_globals_in_checkpoint(path)
    except Exception:  # the legacy format: only the first one is known
        found = re.findall(
            r'(?:Unsupported global:|unsupported) GLOBAL '
            r'([\w.]+)', str(error))
    allowed = {
        name
        if isinstance(name, str) else f'{name.__module__}.{name.__qualname__}'
        for name in (g[1] if isinstance(g, tuple) else g for g in SAFE_GLOBALS)
    }
    return sorted(set(found) - allowed)


def _well_formed(name: str) -> bool:
    """Whether a pickled global's dotted name could name anything (a cut
    legacy pickle leaves names such as ``numpy._cor.``). Checked by its
    spelling only: importing what an untrusted file names could run code."""
    return all(part.isidentifier() for part in name.split('.'))


def _reason(error: Exception) -> str:
    """What torch's weights-only unpickler objected to, without its
    advice (re-running with ``weights_only=False``) and links."""
    text = str(error)
    if 'WeightsUnpickler error:' in text:
        text = text.split('WeightsUnpickler error:', 1)[1]
    paragraphs = [
        p for p in re.split(r'\n\s*\n', text)
        if p.strip() and not p.strip().startswith(('Weights only load failed',
                                                   'Check the documentation'))
    ]
    return ' '.join(' '.join(paragraphs).split())


def _damaged(path: str, error: Exception) -> Exception:
    from ..engine.resume_checkpoint import CorruptCheckpointError
    reason = _reason(error) or type(error).__name__
    reason = re.split(r'(?<=\.)\s', reason)[0]  # torch adds paragraphs
    return CorruptCheckpointError(
        f'checkpoint {path} is truncated or corrupt: {reason}')
