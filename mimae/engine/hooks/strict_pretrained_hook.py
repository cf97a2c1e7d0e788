"""Refuse a pre-trained backbone that did not load what it should."""
from typing import Dict, List, Sequence

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.registry import HOOKS
from torch import nn

from ...checkpoint_keys import summarize_keys
from ..pretrained_init import (NEW_IN_DOWNSTREAM, UNUSED_DOWNSTREAM,
                               PretrainedLoad, matching)


@HOOKS.register_module()
class StrictPretrainedHook(Hook):
    """Check every ``init_cfg=dict(type='Pretrained')`` against its module.

    mmengine's ``Pretrained`` initializer loads with ``strict=False`` and
    only logs what did not match, so a checkpoint with the wrong prefix or
    architecture trains from random weights without a word (mmseg PR #1616:
    mIoU 1.97 instead of 6.21). A stricter initializer cannot replace it:
    mmengine applies a ``Pretrained`` init after its children's
    ``init_weights`` and MMPretrain's ``VisionTransformer`` keeps its loaded
    ``pos_embed`` only for that exact type. So this hook checks afterwards,
    before the first training or test iteration: for each module whose
    ``init_cfg`` is ``Pretrained``, the checkpoint's keys under ``prefix``
    (as :mod:`mimae.engine.pretrained_init` recorded them when it loaded
    the file, so the file is read once) must be the module's parameters
    and buffers, apart from ``new_keys``
    (parameters a downstream variant adds, which keep their explicit
    initialisation) and ``unused_keys`` (checkpoint entries a downstream
    protocol drops), both given as ``fnmatch`` patterns of the full key
    (without the prefix). Registered in mmengine's root
    ``HOOKS`` for mmpretrain, mmdet and mmseg configs alike::

        custom_hooks = [dict(type='StrictPretrainedHook')]

    Args:
        new_keys (Sequence[str]): Patterns of module keys allowed to be
            missing from the checkpoint. Defaults to the downstream
            additions to a ViT: relative position tables, layer scales and
            the ``avg_featmap`` norm ``ln2``.
        unused_keys (Sequence[str]): Patterns of checkpoint keys allowed to
            have no place in the module. Defaults to the final norm ``ln1``
            of pre-training, dropped by ``final_norm=False``.

    Raises:
        KeyError: listing the missing and unexpected keys, or, when nothing
            is under ``prefix``, what the checkpoint holds instead.
        RuntimeError: if a module was never initialised from its
            ``Pretrained`` checkpoint (``init_weights`` not called).
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 new_keys: Sequence[str] = NEW_IN_DOWNSTREAM,
                 unused_keys: Sequence[str] = UNUSED_DOWNSTREAM) -> None:
        self.new_keys = tuple(new_keys)
        self.unused_keys = tuple(unused_keys)

    def before_train(self, runner) -> None:
        self.check(runner.model)

    def before_test(self, runner) -> None:
        # A test from a trained checkpoint (load_from) overwrites whatever
        # the init loaded; only an evaluation of the initialised model, such
        # as k-NN on pre-trained features, depends on it.
        if not runner._load_from:
            self.check(runner.model)

    def check(self, model: nn.Module) -> List[str]:
        """Check every pre-trained module of ``model``.

        Returns:
            List[str]: a summary line per checked module (also logged).
        """
        lines = []
        for name, module in model.named_modules():
            init_cfg = getattr(module, 'init_cfg', None)
            if (isinstance(init_cfg, dict)
                    and init_cfg.get('type') == 'Pretrained'):
                lines.append(
                    self._check_module(
                        name or type(module).__name__, module, init_cfg))
        for line in lines:
            print_log(line, logger='current')
        return lines

    def _check_module(self, name: str, module: nn.Module,
                      init_cfg: Dict) -> str:
        record = PretrainedLoad.of(module)
        if record is None:
            raise RuntimeError(
                f"{name} has init_cfg=dict(type='Pretrained', checkpoint="
                f"{init_cfg['checkpoint']!r}) but was never initialised from "
                "it: call model.init_weights() first (mmengine's "
                "Runner.test() does not; mimae's tools/test.py does), and "
                "keep mimae.compat's pretrained_init on (MIMAE_SKIP_FIXES).")
        # What was loaded, not what the config says now.
        checkpoint, prefix = record.checkpoint, record.prefix
        found, expected = set(record.keys), set(module.state_dict())
        if not found:
            raise KeyError(
                f'{checkpoint} holds nothing under prefix {prefix!r} for '
                f'{name}; {name} expects '
                f'{summarize_keys(prefix + k for k in expected)}. Convert '
                'official MAE/timm weights with tools/model_converters/.')
        new = matching(expected - found, self.new_keys)
        unused = matching(found - expected, self.unused_keys)
        missing = sorted(expected - found - set(new))
        unexpected = sorted(found - expected - set(unused))
        if missing or unexpected:
            raise KeyError(
                f'{checkpoint} (prefix {prefix!r}) does not match {name} '
                f'({type(module).__name__}): missing '
                f'{summarize_keys(missing)}; unexpected '
                f'{summarize_keys(unexpected)}. The module expects '
                f'{summarize_keys(expected)}.')
        return (f'{name}: all {len(found) - len(unused)} tensors loaded from '
                f'{checkpoint}; initialised explicitly: {new}; unused: '
                f'{unused}')
