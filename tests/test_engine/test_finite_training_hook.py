"""A diverged run stops at the iteration that diverged and saves no NaN."""
import math
import os
import subprocess
import sys

import pytest
import torch
from conftest import TINY_CONFIG
from tests_support import REPO_ROOT

from mimae.engine.hooks import FiniteTrainingHook, NonFiniteError
from mimae.zoo.safe_load import safe_torch_load

POISON = '''
import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class PoisonWeightsHook(Hook):
    """Sets the patch embedding to NaN before iteration ``at``."""

    def __init__(self, at):
        self.at = at

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter + 1 == self.at:
            model = getattr(runner.model, 'module', runner.model)
            with torch.no_grad():
                model.backbone.patch_embed.projection.weight.fill_(
                    float('nan'))
'''


def test_a_nan_loss_stops_the_run_naming_iteration_key_and_checkpoint(
        digits_root, tmp_path):
    (tmp_path / 'poison.py').write_text(POISON)
    config = tmp_path / 'poisoned.py'
    config.write_text(f'_base_ = {TINY_CONFIG!r}\n'
                      "custom_imports = dict(imports=['mimae', 'poison'])\n"
                      'custom_hooks = _base_.custom_hooks + '
                      "[dict(type='PoisonWeightsHook', at=5)]\n")
    work_dir = tmp_path / 'work'
    result = subprocess.run([
        sys.executable, 'tools/train.py',
        str(config), '--work-dir',
        str(work_dir), '--cfg-options',
        f'train_dataloader.dataset.data_root={digits_root}',
        'train_dataloader.dataset.indices=192', 'train_cfg.max_epochs=3',
        'default_hooks.checkpoint.by_epoch=False',
        'default_hooks.checkpoint.interval=2',
        'default_hooks.checkpoint.max_keep_ckpts=5'
    ],
                            cwd=REPO_ROOT,
                            capture_output=True,
                            text=True,
                            timeout=600,
                            env=dict(os.environ, PYTHONPATH=str(tmp_path)))
    assert result.returncode != 0
    last = str(work_dir / 'iter_4.pth')
    assert 'NonFiniteError: iteration 5: non-finite loss' in result.stderr
    assert "'loss_rec': nan" in result.stderr
    assert f'Last checkpoint: {last}; nothing after it was saved.' in \
        result.stderr
    # Iterations 2 and 4 were saved, finite; nothing after them.
    assert sorted(p for p in os.listdir(work_dir)
                  if p.endswith('.pth')) == ['iter_2.pth', 'iter_4.pth']
    state = safe_torch_load(last)['state_dict']
    assert all(
        torch.isfinite(v).all() for v in state.values()
        if v.is_floating_point())


class Runner:
    iter = 7
    work_dir = '/nowhere'


def test_non_finite_weights_are_never_saved():
    hook = FiniteTrainingHook()
    good = {'state_dict': {'w': torch.ones(2), 'steps': torch.tensor(3)}}
    hook.before_save_checkpoint(Runner(), good)
    bad = {'state_dict': {'w': torch.tensor([1.0, math.inf])}}
    with pytest.raises(NonFiniteError, match=r"non-finite weights in \['w'\]"):
        hook.before_save_checkpoint(Runner(), bad)
    hook.after_train_iter(Runner(), 0, outputs={'loss': torch.tensor(0.5)})
    with pytest.raises(
            NonFiniteError,
            match=r"iteration 8: non-finite loss \{'loss_mi': "
            r"inf\}. Last checkpoint: None"):
        hook.after_train_iter(
            Runner(),
            0,
            outputs={
                'loss': torch.tensor(0.5),
                'loss_mi': torch.tensor(math.inf)
            })
