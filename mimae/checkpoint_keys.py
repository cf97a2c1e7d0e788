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
from typing import Dict, List, Tuple

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
