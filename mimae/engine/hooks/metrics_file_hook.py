"""Hand a run's evaluation metrics to whatever launched it, as a file."""
import json
import math
import numbers
from typing import Dict, Optional

from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from ..atomic_local_backend import AtomicLocalBackend


@HOOKS.register_module()
class MetricsFileHook(Hook):
    """Write the latest validation or test metrics to a JSON file.

    mmengine reports metrics only in its logs; a program that launches runs
    (the benchmark suite, a sweep) would have to parse them. This hook writes
    ``{"mode": "val" | "test", "epoch": E, "iter": I, "metrics": {...}}``
    atomically after every evaluation (the last one wins), on rank 0. Scalar
    metrics are kept; a non-finite one is written as the string ``"nan"`` or
    ``"inf"`` so the file stays strict JSON. Registered in mmengine's root
    ``HOOKS``, so mmpretrain, mmdet and mmseg configs all find it::

        custom_hooks = [dict(type='MetricsFileHook', out_file='metrics.json')]

    ``tools/train.py`` and ``tools/test.py`` add it with ``--metrics-out``.

    Args:
        out_file (str): Path of the JSON file.
    """

    priority = 'VERY_LOW'

    def __init__(self, out_file: str) -> None:
        self.out_file = out_file

    def after_val_epoch(self, runner, metrics: Optional[Dict] = None) -> None:
        self._write(runner, 'val', metrics)

    def after_test_epoch(self, runner, metrics: Optional[Dict] = None) -> None:
        self._write(runner, 'test', metrics)

    def _write(self, runner, mode: str, metrics: Optional[Dict]) -> None:
        # An empty dict is written too: "evaluated, nothing to report" (e.g.
        # mmdet's COCO metric when there is not a single detection).
        if runner.rank != 0 or metrics is None:
            return
        scalars = {}
        for key, value in metrics.items():
            if hasattr(value, 'item'):  # numpy or torch scalar
                try:
                    value = value.item()
                except (ValueError, RuntimeError):  # not one element
                    continue
            if isinstance(value, numbers.Real):
                value = float(value)
                scalars[key] = value if math.isfinite(value) else str(value)
        record = dict(
            mode=mode, epoch=runner.epoch, iter=runner.iter, metrics=scalars)
        AtomicLocalBackend().put_text(
            json.dumps(record, indent=1) + '\n', self.out_file)
