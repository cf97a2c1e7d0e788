"""mmengine's ``Pretrained`` init, reading its file once, saying what it did.

mmengine's :class:`~mmengine.model.weight_init.PretrainedInit` (how every
transfer config loads its backbone) has three faults for a benchmark suite:

- with a ``prefix`` under which the file keeps nothing (another model's
  plain state dict) it stops at ``AssertionError: backbone. is not in the
  pretrained model``, naming neither the file nor what it holds;
- it warns "missing keys in source state_dict: ln2.weight, ln2.bias" on a
  correct transfer, because the downstream variants of a ViT add parameters
  that no pre-training checkpoint has (and drop its final norm);
- it keeps no record of what it loaded, so :class:`StrictPretrainedHook`
  had to read the whole checkpoint a second time to check the keys.

:func:`init_from_pretrained` is the same load (mmengine's
``_load_checkpoint``, which mimae's safe loaders serve, then its lenient
``load_state_dict``) with those three changed; ``mimae.compat`` installs it
as ``PretrainedInit.__call__``. Keys matching :data:`NEW_IN_DOWNSTREAM` keep
their explicit initialisation and keys matching :data:`UNUSED_DOWNSTREAM`
are left out, both said in one info line, so mmengine's warning lists only
what is unexplained (a wrong architecture still warns, and the hook refuses
it). The keys found are kept on the module as a :class:`PretrainedLoad`.
"""
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import FrozenSet, Iterable, List, Optional, Sequence

from mmengine.logging import print_log
from mmengine.runner import checkpoint as mmengine_checkpoint
from torch import nn

from ..checkpoint_keys import summarize_keys

# Parameters that downstream variants of a ViT add to a MAE / MI-MAE
# pre-training checkpoint: ViTDet's relative position tables (zeros), the
# layer scales of ``layer_scale_init_value`` (that value, as in mmseg's MAE
# fine-tuning) and the ``ln2`` norm of ``out_type='avg_featmap'`` (MAE's
# ``fc_norm``).
NEW_IN_DOWNSTREAM = ('layers.*.attn.rel_pos_[hw]', 'layers.*.gamma[12].weight',
                     'ln2.*')
# The final norm of pre-training, which MAE fine-tuning protocols drop
# (``final_norm=False``).
UNUSED_DOWNSTREAM = ('ln1.*', )

_RECORD = '_mimae_pretrained_load'


@dataclass(frozen=True)
class PretrainedLoad:
    """What a ``Pretrained`` init read into one module.

    Attributes:
        checkpoint (str): The file (or zoo name / URL) as the config gave it.
        prefix (str): The prefix its keys were taken from ('' for none).
        keys (FrozenSet[str]): The file's keys under ``prefix``, without it.
    """

    checkpoint: str
    prefix: str
    keys: FrozenSet[str]

    @staticmethod
    def of(module: nn.Module) -> Optional['PretrainedLoad']:
        """The record of ``module``'s last ``Pretrained`` init, if any."""
        return getattr(module, _RECORD, None)


def matching(keys: Iterable[str], patterns: Sequence[str]) -> List[str]:
    """The sorted ``keys`` that match one of the ``fnmatch`` ``patterns``."""
    return sorted(k for k in keys if any(fnmatchcase(k, p) for p in patterns))


def init_from_pretrained(module: nn.Module,
                         checkpoint: str,
                         prefix: Optional[str] = None,
                         map_location: str = 'cpu') -> PretrainedLoad:
    """Load ``checkpoint`` (under ``prefix``) into ``module``, leniently.

    Args:
        module (nn.Module): The module whose ``init_cfg`` is ``Pretrained``.
        checkpoint (str): A path, URL or zoo name.
        prefix (str, optional): Where the file keeps the module's weights,
            e.g. ``'backbone.'``; ``None`` for the whole file (a leading
            ``module.`` of a DDP checkpoint is dropped, as mmengine does).
        map_location (str): As for :func:`torch.load`.

    Returns:
        PretrainedLoad: what was read, also kept on ``module``.

    Raises:
        KeyError: naming the file and summarising its keys when nothing in
            it is under ``prefix``.
    """
    loaded = mmengine_checkpoint._load_checkpoint(
        checkpoint, map_location=map_location)
    state = loaded.get('state_dict', loaded)
    if prefix:
        dotted = prefix if prefix.endswith('.') else prefix + '.'
        found = {
            k[len(dotted):]: v
            for k, v in state.items() if k.startswith(dotted)
        }
        if not found:
            raise KeyError(
                f'{checkpoint} holds nothing under the prefix {prefix!r} '
                f"that init_cfg=dict(type='Pretrained', prefix={prefix!r}) "
                f'loads: it holds {summarize_keys(state)}. Give a checkpoint '
                "of this project (or MMPretrain's), convert official "
                'MAE/timm weights with tools/model_converters/, or set '
                'init_cfg.prefix to where this file keeps the weights.')
    else:
        found = {re.sub(r'^module\.', '', k): v for k, v in state.items()}
    own = module.state_dict()
    new = matching(set(own) - set(found), NEW_IN_DOWNSTREAM)
    unused = matching(set(found) - set(own), UNUSED_DOWNSTREAM)
    # Loading a new key's own initial value changes nothing and keeps it
    # out of mmengine's "missing keys" warning, which then lists only what
    # no downstream variant explains.
    to_load = {k: v for k, v in found.items() if k not in unused}
    to_load.update((k, own[k]) for k in new)
    print_log(
        f'load {prefix or "the model"} from {checkpoint}: '
        f'{len(found) - len(unused)} tensors; kept their initialisation '
        f'(new in downstream ViT variants): {new}; left unused: {unused}',
        logger='current')
    mmengine_checkpoint.load_state_dict(
        module, to_load, strict=False, logger='current')
    record = PretrainedLoad(checkpoint, prefix or '', frozenset(found))
    setattr(module, _RECORD, record)
    return record
