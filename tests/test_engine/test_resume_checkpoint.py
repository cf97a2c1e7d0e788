"""--resume checks its checkpoint; a damaged one is named, and older ones
are used only on request; a full disk leaves the last checkpoint whole."""
import os
import subprocess
import sys
import time

import pytest
import torch
from conftest import TINY_CONFIG
from tests_support import REPO_ROOT

from mimae.engine.resume_checkpoint import (CorruptCheckpointError,
                                            check_checkpoint_file,
                                            resume_checkpoint)
from mimae.zoo.safe_load import safe_torch_load


@pytest.fixture
def work_dir(tmp_path):
    """iter_2 (whole) and iter_4 (the latest, pointed to)."""
    for i in (2, 4):
        torch.save(
            {
                'meta': {
                    'iter': i
                },
                'state_dict': {
                    'w': torch.full((1000, ), float(i))
                }
            }, tmp_path / f'iter_{i}.pth')
        time.sleep(0.01)  # distinct mtimes
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_4.pth'))
    return tmp_path


def damage(path, how):
    data = path.read_bytes()
    if how == 'truncated':
        path.write_bytes(data[:len(data) // 2])
    else:  # one flipped byte inside the tensor data: only the CRC sees it
        i = data.index(b'\x00\x00\x80\x40')  # 4.0 as float32
        path.write_bytes(data[:i] + b'\x01' + data[i + 1:])


@pytest.mark.parametrize('how', ['truncated', 'flipped'])
def test_a_damaged_checkpoint_is_named_and_older_ones_listed(work_dir, how):
    latest = work_dir / 'iter_4.pth'
    check_checkpoint_file(str(latest))
    damage(latest, how)
    with pytest.raises(CorruptCheckpointError) as error:
        resume_checkpoint(str(work_dir))
    message = str(error.value)
    assert f'checkpoint {latest} is' in message
    assert f"Older checkpoints: ['{work_dir / 'iter_2.pth'}']" in message
    assert '--resume-fallback' in message
    # Only on request: the newest whole one before it.
    assert resume_checkpoint(
        str(work_dir), fallback=True) == str(work_dir / 'iter_2.pth')


def test_an_empty_pointer_falls_back_to_the_newest_checkpoint(work_dir):
    (work_dir / 'last_checkpoint').write_text('')
    assert resume_checkpoint(str(work_dir)) == str(work_dir / 'iter_4.pth')
    assert resume_checkpoint(str(work_dir / 'empty')) is None


FULL_DISK = '''
import resource, signal
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class FillDiskHook(Hook):
    """From iteration ``at`` on, no file may grow past 64 kB (a full disk,
    as far as a checkpoint write can tell)."""

    def __init__(self, at):
        self.at = at

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter + 1 == self.at:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 16, 1 << 16))
'''


def test_a_full_disk_leaves_the_last_checkpoint_whole(digits_root, tmp_path):
    (tmp_path / 'full_disk.py').write_text(FULL_DISK)
    config = tmp_path / 'full_disk_config.py'
    config.write_text(f'_base_ = {TINY_CONFIG!r}\n'
                      "custom_imports = dict(imports=['mimae', 'full_disk'])\n"
                      'custom_hooks = _base_.custom_hooks + '
                      "[dict(type='FillDiskHook', at=3)]\n")
    work = tmp_path / 'work'
    options = [
        f'train_dataloader.dataset.data_root={digits_root}',
        'train_dataloader.dataset.indices=192', 'train_cfg.max_epochs=2',
        'default_hooks.checkpoint.by_epoch=False',
        'default_hooks.checkpoint.interval=2'
    ]
    result = subprocess.run([
        sys.executable, 'tools/train.py',
        str(config), '--work-dir',
        str(work), '--cfg-options', *options
    ],
                            cwd=REPO_ROOT,
                            capture_output=True,
                            text=True,
                            timeout=600,
                            env=dict(os.environ, PYTHONPATH=str(tmp_path)))
    assert result.returncode != 0
    assert (f'could not write {work / "iter_4.pth"}: File too large. '
            'Nothing was written under that name; files written before '
            '(earlier checkpoints) are intact') in result.stderr
    assert (work / 'last_checkpoint').read_text() == str(work / 'iter_2.pth')
    assert not (work / 'iter_4.pth').exists()
    assert [p for p in os.listdir(work) if p.endswith('.tmp')] == []
    assert safe_torch_load(str(work / 'iter_2.pth'))['meta']['iter'] == 2
    # ...and the run resumes from it once there is room again.
    result = subprocess.run([
        sys.executable, 'tools/train.py', TINY_CONFIG, '--work-dir',
        str(work), '--resume', '--cfg-options', *options
    ],
                            cwd=REPO_ROOT,
                            capture_output=True,
                            text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (work / 'iter_6.pth').exists()
