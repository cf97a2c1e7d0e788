"""Checkpoints load without running code from them."""
import datetime
import os

import pytest
import torch
from mmengine.logging import HistoryBuffer

from mimae.zoo.safe_load import UnsafeCheckpointError, safe_torch_load


class RunsCode:
    """Unpickling this runs a shell command (the attack weights_only stops)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


class BadGetattr:
    """getattr is allowed only for HistoryBuffer's statistics methods."""

    def __reduce__(self):
        return (getattr, (HistoryBuffer, '__init__'))


def test_mmengine_objects_load(pretrain_checkpoint):
    # A real runner checkpoint: message hub with HistoryBuffer (and its
    # getattr(HistoryBuffer, 'min') entries), numpy values in meta.
    ckpt = safe_torch_load(pretrain_checkpoint[0], map_location='cpu')
    buffers = ckpt['message_hub']['log_scalars']
    assert buffers and all(
        isinstance(b, HistoryBuffer) for b in buffers.values())
    assert next(iter(buffers.values())).mean() == pytest.approx(
        next(iter(buffers.values()))._log_history.mean())


def test_code_in_a_checkpoint_is_refused_and_not_run(tmp_path):
    marker = tmp_path / 'ran'
    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {}, 'x': RunsCode(marker)}, path)
    with pytest.raises(UnsafeCheckpointError) as error:
        safe_torch_load(path)
    assert not marker.exists()
    assert "['posix.system']" in str(error.value)
    assert f'MIMAE_TRUSTED_CHECKPOINTS={path}' in str(error.value)


def test_getattr_only_for_history_buffer_statistics(tmp_path):
    path = str(tmp_path / 'getattr.pth')
    torch.save({'state_dict': {}, 'x': BadGetattr()}, path)
    with pytest.raises(Exception, match="getattr.*'__init__'"):
        safe_torch_load(path)


def test_a_trusted_file_loads_with_full_unpickling(tmp_path, monkeypatch):
    path = str(tmp_path / 'dated.pth')
    torch.save({
        'state_dict': {},
        'meta': {
            'day': datetime.date(2026, 1, 1)
        }
    }, path)
    with pytest.raises(UnsafeCheckpointError, match='datetime.date'):
        safe_torch_load(path)
    monkeypatch.setenv('MIMAE_TRUSTED_CHECKPOINTS',
                       os.pathsep.join(['/elsewhere.pth', path]))
    assert safe_torch_load(path)['meta']['day'] == datetime.date(2026, 1, 1)
