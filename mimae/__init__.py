"""mimae: MI-MAE (ICLR 2025) as an OpenMMLab extension.

Importing the package first applies what :mod:`mimae.compat` lists (the
fixes the OpenMMLab stack needs on current torch, one of which must run
before torchvision is imported, and atomic local file writes), then
registers the MI-MAE modules in MMPretrain's registries. It imports neither
mmdet nor mmseg: the detection neck loads when a detection config imports
``mimae.models.necks`` (``custom_imports``). The small real-image datasets
of the tests and the mini-benchmark are written by
:mod:`mimae.dataset_builders` (imported on use).
"""
from . import compat

compat.apply_all()

from . import datasets, engine, models  # noqa: E402,F401
from .version import __version__  # noqa: E402,F401
