"""Stop a diverged run where it diverged, and never save NaN weights."""
import os.path as osp
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


class NonFiniteError(RuntimeError):
    """A loss or a weight that is NaN or infinite."""


def _last_checkpoint(runner) -> Optional[str]:
    pointer = osp.join(runner.work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return None
    with open(pointer) as f:
        return f.read().strip() or None


@HOOKS.register_module()
class FiniteTrainingHook(Hook):
    """Every iteration, check each logged loss; before every save, check
    every weight.

    mmengine's ``CheckInvalidLossHook`` looks at the total loss every 50
    iterations and says only "loss become infinite or NaN!". This hook
    stops at the first iteration whose losses are not all finite, naming
    the iteration, each non-finite loss key and the last checkpoint to
    resume from (with a lower learning rate, say). It runs before the
    checkpoint hook, so the diverged iteration is never saved, and it
    refuses any save whose model holds a NaN or infinite tensor.
    """

    priority = 'VERY_HIGH'

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        losses = {
            key: value
            for key, value in (outputs or {}).items() if torch.is_tensor(value)
        }
        if not losses:
            return
        # One device sync per iteration, not one per loss.
        finite = torch.stack(
            [torch.isfinite(v).all() for v in losses.values()])
        if not finite.all():
            bad = {
                key: float(value)
                for (key, value), ok in zip(losses.items(), finite.tolist())
                if not ok
            }
            raise NonFiniteError(
                f'iteration {runner.iter + 1}: non-finite loss {bad}. '
                f'Last checkpoint: {_last_checkpoint(runner)}; nothing '
                'after it was saved.')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        bad = [
            key for key, value in checkpoint['state_dict'].items()
            if torch.is_tensor(value) and value.is_floating_point()
            and not torch.isfinite(value).all()
        ]
        if bad:
            raise NonFiniteError(
                f'not saving iteration {runner.iter}: non-finite weights in '
                f'{bad[:10]}{" ..." if len(bad) > 10 else ""}. Last '
                f'checkpoint: {_last_checkpoint(runner)}.')
