"""mimae: MI-MAE (ICLR 2025) as an OpenMMLab extension.

Importing the package first applies the compatibility fixes the OpenMMLab
stack needs on current torch (see :mod:`mimae.compat`; one of them must run
before torchvision is imported), then registers the MI-MAE modules in
MMPretrain's ``MODELS`` registry and makes mmengine's local file writes
(checkpoints) atomic (:mod:`mimae.engine`).
"""
from . import compat

compat.apply_all()

from . import datasets, engine, models  # noqa: E402,F401
from .version import __version__  # noqa: E402,F401
