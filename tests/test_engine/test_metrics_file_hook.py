"""MetricsFileHook: the metrics a run reports, in a file, atomically."""
import json
from types import SimpleNamespace

import numpy as np
import torch

from mimae.engine import MetricsFileHook


def test_writes_scalars_of_the_last_evaluation(tmp_path):
    out = tmp_path / 'sub' / 'metrics.json'
    hook = MetricsFileHook(str(out))
    runner = SimpleNamespace(rank=0, epoch=3, iter=30)
    hook.after_val_epoch(runner, metrics={'accuracy/top1': 50.0})
    hook.after_val_epoch(
        runner,
        metrics={
            'accuracy/top1': torch.tensor(71.5),
            'mIoU': np.float32(2),
            'loss': float('nan'),
            'per_class': [1, 2]
        })
    record = json.loads(out.read_text())
    assert record == dict(
        mode='val',
        epoch=3,
        iter=30,
        metrics={
            'accuracy/top1': 71.5,
            'mIoU': 2.0,
            'loss': 'nan'
        })
    hook.after_test_epoch(runner, metrics={})
    assert json.loads(out.read_text())['metrics'] == {}
    # Only rank 0 writes.
    MetricsFileHook(str(tmp_path / 'r1.json')).after_test_epoch(
        SimpleNamespace(rank=1, epoch=0, iter=0), metrics={'a': 1.0})
    assert not (tmp_path / 'r1.json').exists()
