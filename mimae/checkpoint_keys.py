"""Key mapping between official MAE / timm ViT checkpoints and ours.

The official MAE release (facebookresearch/mae) and timm name a ViT
``patch_embed.proj``, ``blocks.i.{norm1,attn,norm2,mlp.fc1,mlp.fc2}``,
``norm``; MMPretrain (and so this project) ``patch_embed.projection``,
``layers.i.{ln1,attn,ln2,ffn.layers.0.0,ffn.layers.1}``, ``ln1``. Tensor
layouts are identical (qkv packed the same way, ``pos_embed`` with the cls
slot first), so conversion renames keys only. MAE's decoder maps onto
MMPretrain's ``MAEPretrainDecoder`` (the ``neck``).
"""
import re
from typing import Any, Dict, List, Tuple

import torch

StateDict = Dict[str, torch.Tensor]

# Inside a transformer block: (MAE / timm, ours).
_BLOCK = [
    ('norm1.', 'ln1.'),
    ('norm2.', 'ln2.'),
    ('attn.qkv.', 'attn.qkv.'),
    ('attn.proj.', 'attn.proj.'),
    ('mlp.fc1.', 'ffn.layers.0.0.'),
    ('mlp.fc2.', 'ffn.layers.1.'),
]
# official MAE / timm -> ours
_TO_OURS = [
    (r'^cls_token$', 'backbone.cls_token'),
    (r'^pos_embed$', 'backbone.pos_embed'),
    (r'^patch_embed\.proj\.', 'backbone.patch_embed.projection.'),
    *[(rf'^blocks\.(\d+)\.{re.escape(a)}', rf'backbone.layers.\1.{b}')
      for a, b in _BLOCK],
    (r'^norm\.', 'backbone.ln1.'),
    # MAE fine-tuned checkpoints: fc_norm (global pool) and the classifier.
    (r'^fc_norm\.', 'backbone.ln2.'),
    (r'^head\.', 'head.fc.'),
    (r'^mask_token$', 'neck.mask_token'),
    (r'^decoder_pos_embed$', 'neck.decoder_pos_embed'),
    (r'^decoder_(embed|pred)\.', r'neck.decoder_\1.'),
    *[(rf'^decoder_blocks\.(\d+)\.{re.escape(a)}',
       rf'neck.decoder_blocks.\1.{b}') for a, b in _BLOCK],
    (r'^decoder_norm\.', 'neck.ln1.'),
]
# ours (backbone) -> timm
_TO_TIMM = [
    (r'^backbone\.cls_token$', 'cls_token'),
    (r'^backbone\.pos_embed$', 'pos_embed'),
    (r'^backbone\.patch_embed\.projection\.', 'patch_embed.proj.'),
    *[(rf'^backbone\.layers\.(\d+)\.{re.escape(b)}', rf'blocks.\1.{a}')
      for a, b in _BLOCK],
    (r'^backbone\.ln1\.', 'norm.'),
    (r'^backbone\.ln2\.', 'fc_norm.'),
]


def _rename(key: str, rules: List[Tuple[str, str]]) -> str:
    for pattern, repl in rules:
        new, n = re.subn(pattern, repl, key)
        if n:
            return new
    return ''


def mae_to_mimae(state: StateDict) -> StateDict:
    """Official MAE / timm ViT (and MAE decoder) keys -> ours.

    Raises:
        KeyError: listing the keys no rule knows, instead of dropping them.
    """
    out, unknown = {}, []
    for key, value in state.items():
        new = _rename(key, _TO_OURS)
        if new:
            out[new] = value
        else:
            unknown.append(key)
    if unknown:
        raise KeyError(f'No MAE/timm ViT key mapping for {sorted(unknown)}')
    return out


def mimae_to_timm(state: StateDict) -> Tuple[StateDict, List[str]]:
    """Our backbone keys -> timm ``VisionTransformer`` keys.

    Returns:
        The timm state dict and the keys left out (decoder, heads, MI
        heads: timm's ViT has none of them).

    Raises:
        KeyError: for backbone keys timm's ViT has no place for (e.g. the
            relative position tables of a ViTDet fine-tuned backbone).
    """
    out, dropped, unknown = {}, [], []
    for key, value in state.items():
        new = _rename(key, _TO_TIMM)
        if new:
            out[new] = value
        elif key.startswith('backbone.'):
            unknown.append(key)
        else:
            dropped.append(key)
    if unknown:
        raise KeyError(f'timm ViT has no key for {sorted(unknown)}')
    return out, sorted(dropped)


def _is_vit_state(state: dict) -> bool:
    """Official MAE / timm ViT keys (``blocks.N.``, ``patch_embed.proj``)."""
    return any(k.startswith(('blocks.', 'patch_embed.proj.')) for k in state)


def to_mmengine_checkpoint(checkpoint: Any, source: str) -> dict:
    """Any checkpoint format mimae knows, as an mmengine checkpoint.

    - mmengine / OpenMMLab (``{'state_dict': ...}``): unchanged.
    - official MAE (``{'model': <MAE / timm ViT keys>}``) and timm (a flat
      state dict with those keys): renamed to ours
      (``backbone.*``, ``neck.*``), with ``meta.converted_from``.
    - any other flat state dict (tensors only): unchanged, as mmengine
      loads it.

    Raises:
        KeyError: for anything else, listing what the file holds.
    """
    if not isinstance(checkpoint, dict):
        raise KeyError(f'{source}: a checkpoint is a dict, this file holds '
                       f'a {type(checkpoint).__name__}')
    if 'state_dict' in checkpoint:
        return checkpoint
    state = checkpoint.get('model', checkpoint)
    if isinstance(state, dict) and _is_vit_state(state):
        kind = 'MAE' if 'model' in checkpoint else 'timm'
        return dict(
            meta=dict(converted_from=f'{kind} format: {source}'),
            state_dict=mae_to_mimae(state))
    if state is checkpoint and all(
            isinstance(v, torch.Tensor) for v in checkpoint.values()):
        return checkpoint
    found = {k: type(v).__name__ for k, v in list(checkpoint.items())[:20]}
    raise KeyError(
        f'{source}: the keys match no checkpoint format mimae knows '
        "(mmengine {'state_dict': ...}, official MAE {'model': ...} with "
        "ViT keys 'blocks.N.*', a flat timm/MAE ViT state dict, or a flat "
        f'state dict of tensors); found {found}')


def summarize_keys(keys, most: int = 6) -> str:
    """A readable line for many checkpoint keys: keys that differ only in
    their numbered parts are folded into one pattern (one numbered part
    shown as its range), the largest groups first.

    Examples:
        >>> summarize_keys(['fc.weight', 'layer1.0.conv.weight',
        ...                 'layer1.1.conv.weight'])
        "3 keys: 'layer1.[0-1].conv.weight' (x2), 'fc.weight'"
    """
    keys = list(keys)
    number = re.compile(r'(?:(?<=\.)|^)\d+(?=\.|$)')
    groups: Dict[str, List[str]] = {}
    for key in keys:
        groups.setdefault(number.sub('*', key), []).append(key)

    def shown(pattern: str, members: List[str]) -> str:
        if len(members) == 1:
            return repr(members[0])
        numbers = [[int(n) for n in number.findall(k)] for k in members]
        if pattern.count('*') == 1:
            values = sorted({n[0] for n in numbers})
            if values == list(range(values[0], values[-1] + 1)):
                pattern = pattern.replace('*', f'[{values[0]}-{values[-1]}]')
        return f'{pattern!r} (x{len(members)})'

    ranked = sorted(groups.items(), key=lambda item: -len(item[1]))
    text = ', '.join(shown(p, m) for p, m in ranked[:most])
    more = (f', and {len(ranked) - most} more' if len(ranked) > most else '')
    return f'{len(keys)} keys: {text}{more}' if keys else 'no keys'
