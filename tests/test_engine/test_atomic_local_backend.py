import os

import pytest
import torch
from mmengine.fileio import get_file_backend
from mmengine.runner.checkpoint import _load_checkpoint, save_checkpoint

from mimae.engine import AtomicLocalBackend


def test_mmengine_saves_through_the_atomic_backend(tmp_path):
    assert isinstance(
        get_file_backend(str(tmp_path / 'x.pth')), AtomicLocalBackend)
    path = str(tmp_path / 'sub' / 'epoch_1.pth')
    save_checkpoint({'state_dict': {'w': torch.arange(3)}}, path)
    assert torch.equal(
        _load_checkpoint(path)['state_dict']['w'], torch.arange(3))
    assert os.listdir(tmp_path / 'sub') == ['epoch_1.pth']


def test_a_crash_mid_write_keeps_the_previous_checkpoint(
        tmp_path, monkeypatch):
    path = str(tmp_path / 'epoch_1.pth')
    save_checkpoint({'state_dict': {'w': torch.ones(2)}}, path)

    def crash(fd):  # the process dies after writing, before the rename
        raise KeyboardInterrupt

    monkeypatch.setattr(os, 'fsync', crash)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint({'state_dict': {'w': torch.zeros(1000)}}, path)
    monkeypatch.undo()
    assert torch.equal(
        _load_checkpoint(path)['state_dict']['w'], torch.ones(2))
    assert os.listdir(tmp_path) == ['epoch_1.pth']


@pytest.mark.parametrize('umask, mode', [(0o022, 0o644), (0o077, 0o600),
                                         (0o002, 0o664)])
def test_written_files_get_the_mode_open_would_give(tmp_path, umask, mode):
    """A temporary file is created 0600; the written file follows the umask
    like a plain open(), so a shared cluster can still read checkpoints."""
    previous = os.umask(umask)
    try:
        AtomicLocalBackend().put(b'weights', tmp_path / 'ckpt.pth')
        with open(tmp_path / 'plain.pth', 'wb') as f:
            f.write(b'weights')
    finally:
        os.umask(previous)
    assert os.stat(tmp_path / 'ckpt.pth').st_mode & 0o777 == mode
    assert os.stat(tmp_path / 'plain.pth').st_mode & 0o777 == mode
