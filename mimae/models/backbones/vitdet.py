from typing import Sequence, Tuple

import numpy as np
import torch
from mmcv.cnn.bricks.drop import build_dropout
from mmpretrain.models.backbones.vision_transformer import VisionTransformer
from mmpretrain.models.backbones.vit_sam import (Attention, window_partition,
                                                 window_unpartition)
from mmpretrain.models.utils import resize_pos_embed
from mmpretrain.registry import MODELS

from .mimae_vit import check_patch_grid


class WindowedRelPosAttention(Attention):
    """SAM/ViTDet attention: optional windows, decomposed relative position.

    Reuses :class:`mmpretrain.models.backbones.vit_sam.Attention`, whose
    ``qkv`` and ``proj`` are named like :class:`VisionTransformer`'s, so the
    pre-trained weights load unchanged; ``rel_pos_h`` / ``rel_pos_w`` are the
    only new parameters (zero-initialised, as in ViTDet). Adds the window
    partition and the attention branch's drop path that ViTDet has.

    Args:
        embed_dims (int): Token width.
        num_heads (int): Attention heads.
        window_size (int): Window side in tokens; 0 for global attention.
        input_size (Tuple[int, int]): Token grid of the image (sizes the
            relative position tables of global layers).
        use_rel_pos (bool): Add decomposed relative position terms.
        drop_path_rate (float): Drop path of the attention branch.
    """

    def __init__(self, embed_dims: int, num_heads: int, window_size: int,
                 input_size: Tuple[int, int], use_rel_pos: bool,
                 drop_path_rate: float) -> None:
        super().__init__(
            embed_dims,
            num_heads,
            qkv_bias=True,
            use_rel_pos=use_rel_pos,
            input_size=(window_size,
                        window_size) if window_size else input_size)
        self.window_size = window_size
        self.drop_path = build_dropout(
            dict(type='DropPath', drop_prob=drop_path_rate))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: B x H x W x C -> B x H x W x C."""
        if self.window_size:
            H, W = x.shape[1:3]
            x, pad_hw = window_partition(x, self.window_size)
        x = super().forward(x)
        if self.window_size:
            x = window_unpartition(x, self.window_size, pad_hw, (H, W))
        return self.drop_path(x)


@MODELS.register_module()
class ViTDet(VisionTransformer):
    """The plain ViT backbone of ViTDet, for Mask R-CNN with SimpleFPN.

    `Exploring Plain Vision Transformer Backbones for Object Detection
    <https://arxiv.org/abs/2203.16527>`_ (Li et al., ECCV 2022), as in
    mmdet's ``projects/ViTDet`` (which the mmdet wheel does not ship):
    MMPretrain's :class:`VisionTransformer` whose layers attend within
    ``window_size`` windows, except ``global_attn_indexes``, with optional
    decomposed relative position, run on a B x H x W x C token grid without
    the cls token. Parameter names are :class:`VisionTransformer`'s, so a
    MAE / MI-MAE pre-training checkpoint loads with ``prefix='backbone.'``
    (the position embedding is resized to ``img_size`` on load); the
    relative position tables are the only new parameters.

    Args:
        window_size (int): Window side in tokens; 0 for global attention
            everywhere. Defaults to 14.
        global_attn_indexes (Sequence[int]): Layers that keep global
            attention. Defaults to ``(2, 5, 8, 11)`` (ViT-B).
        use_rel_pos (bool): Decomposed relative position in every layer.
            Defaults to True.
        **kwargs: The other arguments of :class:`VisionTransformer`;
            ``out_type`` must be ``'featmap'``.

    Raises:
        ValueError: If the image size is not a multiple of the patch size,
            the window is larger than the token grid, or ``out_type`` is not
            ``'featmap'``.
    """

    def __init__(self,
                 window_size: int = 14,
                 global_attn_indexes: Sequence[int] = (2, 5, 8, 11),
                 use_rel_pos: bool = True,
                 **kwargs) -> None:
        kwargs.setdefault('out_type', 'featmap')
        if kwargs['out_type'] != 'featmap':
            raise ValueError(
                "ViTDet outputs feature maps: out_type must be 'featmap', "
                f"got {kwargs['out_type']!r}.")
        check_patch_grid(
            kwargs.get('img_size', 224), kwargs.get('patch_size', 16))
        super().__init__(**kwargs)
        grid = self.patch_resolution
        # A grid the window does not divide is padded to whole windows, as
        # in ViTDet (64 tokens, window 14 at 1024 px); a window larger than
        # the grid is a configuration mistake.
        if window_size > min(grid):
            raise ValueError(
                f'window_size={window_size} is larger than the '
                f'{grid[0]}x{grid[1]} token grid of img_size='
                f"{kwargs.get('img_size', 224)}: use window_size <= "
                f'{min(grid)} or a larger image.')
        # The cls token takes no part (its weights still load).
        self.cls_token.requires_grad = False
        # As VisionTransformer's own rule (numpy: also on torch's meta device).
        drop_path = np.linspace(0, kwargs.get('drop_path_rate', 0.),
                                self.num_layers).tolist()
        for i, layer in enumerate(self.layers):
            layer.attn = WindowedRelPosAttention(
                self.embed_dims,
                self.arch_settings['num_heads'],
                window_size=0 if i in global_attn_indexes else window_size,
                input_size=grid,
                use_rel_pos=use_rel_pos,
                drop_path_rate=drop_path[i])
        # VisionTransformer froze in __init__; redo it over the new layers.
        if self.frozen_stages > 0:
            self._freeze_stages()

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Images B x 3 x H x W -> one B x C x H/p x W/p map per out index."""
        B = x.shape[0]
        x, hw = self.patch_embed(x)
        pos = resize_pos_embed(
            self.pos_embed,
            self.patch_resolution,
            hw,
            mode=self.interpolate_mode,
            num_extra_tokens=self.num_extra_tokens)
        x = self.drop_after_pos(x + pos[:, self.num_extra_tokens:])
        x = self.pre_norm(x).view(B, *hw, -1)
        outs = []
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i == len(self.layers) - 1 and self.final_norm:
                x = self.ln1(x)
            if i in self.out_indices:
                outs.append(x.permute(0, 3, 1, 2).contiguous())
        return tuple(outs)
