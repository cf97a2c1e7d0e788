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
    with pytest.raises(
            UnsafeCheckpointError, match="getattr.*'__init__'") as error:
        safe_torch_load(path)
    assert 'weights_only' not in str(error.value)


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


def test_a_truncated_file_is_named(tmp_path):
    from mimae.engine.resume_checkpoint import CorruptCheckpointError
    path = tmp_path / 'cut.pth'
    torch.save({'state_dict': {'w': torch.ones(64)}}, path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(
            CorruptCheckpointError,
            match=f'checkpoint {path} is truncated or corrupt: '
            'PytorchStreamReader'):
        safe_torch_load(str(path))


def test_the_legacy_format_loads_when_safe_and_is_refused_in_our_words(
        tmp_path):
    """torch's non-zip format: weights load; a file that needs code is
    refused by the project's message, never torch's weights_only=False
    advice; a cut one is named as damaged."""
    from mimae.engine.resume_checkpoint import (CorruptCheckpointError,
                                                check_checkpoint_file)
    good = tmp_path / 'legacy.pth'
    torch.save({'state_dict': {
        'w': torch.ones(2)
    }},
               good,
               _use_new_zipfile_serialization=False)
    assert torch.equal(
        safe_torch_load(str(good))['state_dict']['w'], torch.ones(2))
    check_checkpoint_file(str(good))  # --resume accepts it
    marker = tmp_path / 'ran'
    evil = tmp_path / 'legacy_evil.pth'
    torch.save({'x': RunsCode(marker)},
               evil,
               _use_new_zipfile_serialization=False)
    with pytest.raises(UnsafeCheckpointError) as error:
        safe_torch_load(str(evil))
    assert not marker.exists()
    assert "needs ['posix.system']" in str(error.value)
    assert 'weights_only' not in str(error.value)
    cut = tmp_path / 'legacy_cut.pth'
    cut.write_bytes(good.read_bytes()[:60])
    with pytest.raises(CorruptCheckpointError, match=f'checkpoint {cut} is'):
        check_checkpoint_file(str(cut))
