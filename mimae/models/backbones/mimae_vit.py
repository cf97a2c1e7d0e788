from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmcv.cnn.bricks.drop import build_dropout
from mmengine.logging import print_log
from mmengine.runner.checkpoint import _load_checkpoint
from mmpretrain.models.backbones.vision_transformer import VisionTransformer
from mmpretrain.models.backbones.vit_sam import (Attention, window_partition,
                                                 window_unpartition)
from mmpretrain.models.selfsup.mae import MAEViT
from mmpretrain.models.utils import resize_pos_embed
from mmpretrain.registry import MODELS


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
            input_size=(window_size, window_size)
            if window_size else input_size)
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
class MIMAEViT(MAEViT):
    """ViT encoder for MI-MAE pre-training with K mutually orthogonal masks.

    Implementation of the encoder of `Learning Mask Invariant Mutual
    Information for Masked Image Modeling <https://arxiv.org/abs/2502.19718>`_
    (ICLR 2025). Each image gets ``num_masks`` masks whose visible sets are
    pairwise disjoint: one random permutation of the L patch indices is drawn
    per image and mask ``k`` keeps ``perm[k * n_vis:(k + 1) * n_vis]`` with
    ``n_vis = int(L * (1 - mask_ratio))``. The K visible sets of the B images
    are encoded in one transformer pass over ``B * K`` sequences.

    Batch ordering: the ``B * K`` axis is **mask-major**; row ``k * B + b`` is
    mask ``k`` of image ``b``, so ``x.view(K, B, ...)`` groups rows by mask.

    With ``num_masks=1`` the forward pass (random draws included) is exactly
    that of :class:`mmpretrain.models.MAEViT`.

    The parameters and their names are those of
    :class:`mmpretrain.models.VisionTransformer`, so the ``backbone.`` part of
    a checkpoint loads into any ViT of the same architecture.

    **Downstream** (``masking=False``) the same class is the backbone of the
    classification, detection and segmentation configs: ``forward`` is the
    plain ViT forward (any ``out_type``, ``out_indices``, ``drop_path_rate``;
    ``get_layer_depth`` for layer-wise lr decay), the position embedding is
    trainable and resized to ``img_size`` when the checkpoint is loaded, and
    ``window_size`` / ``global_attn_indexes`` / ``use_rel_pos`` turn on
    ViTDet's window attention with decomposed relative position (then the
    cls token is not used and ``out_type`` must be ``'featmap'``). A
    ``Pretrained`` ``init_cfg`` is loaded strictly: see
    :meth:`load_pretrained`.

    Args:
        num_masks (int): Masks per image (K). Defaults to 4.
        mask_ratio (float): Fraction of patches each mask removes.
            Defaults to 0.75.
        masking (bool): Pre-training (True) or downstream (False) mode.
            Defaults to True.
        window_size (int): Downstream only: attention window side in tokens,
            0 for global attention everywhere. Defaults to 0.
        global_attn_indexes (Sequence[int]): Downstream only: layers that
            keep global attention when ``window_size`` is set.
        use_rel_pos (bool): Downstream only: decomposed relative position
            in every layer. Defaults to False.
        **kwargs: The other arguments of :class:`VisionTransformer`
            (``out_type`` defaults to 'raw' as in :class:`MAEViT`).

    Raises:
        ValueError: If the image size is not a multiple of the patch size,
            if the window is larger than the token grid, if ``num_masks``
            disjoint visible sets do not fit in the image, or if window
            attention is asked for in pre-training or without
            ``out_type='featmap'``.
    """

    def __init__(self,
                 arch: Union[str, dict] = 'b',
                 img_size: int = 224,
                 patch_size: int = 16,
                 num_masks: int = 4,
                 mask_ratio: float = 0.75,
                 masking: bool = True,
                 window_size: int = 0,
                 global_attn_indexes: Sequence[int] = (),
                 use_rel_pos: bool = False,
                 **kwargs) -> None:
        for size in (img_size if isinstance(img_size, (tuple, list)) else
                     (img_size, )):
            if size % patch_size:
                raise ValueError(
                    f'img_size={img_size} is not a multiple of '
                    f'patch_size={patch_size}: choose an image size that the '
                    'patch size divides (e.g. '
                    f'{size // patch_size * patch_size}).')
        # MAEViT.__init__ forwards only a subset of VisionTransformer's
        # arguments (no frozen_stages, pre_norm, ...); call it directly with
        # MAEViT's defaults and set the attributes MAEViT adds.
        kwargs.setdefault('out_type', 'raw')
        kwargs.setdefault('norm_cfg', dict(type='LN', eps=1e-6))
        VisionTransformer.__init__(
            self,
            arch=arch,
            img_size=img_size,
            patch_size=patch_size,
            with_cls_token=True,
            **kwargs)
        self.pos_embed.requires_grad = False
        self.mask_ratio = mask_ratio
        self.num_patches = self.patch_resolution[0] * self.patch_resolution[1]
        self.masking = masking
        self.num_masks = num_masks
        self.num_visible = int(self.num_patches * (1 - mask_ratio))
        self.spatial = bool(window_size or use_rel_pos)
        if not masking:
            self._setup_downstream(img_size, window_size, global_attn_indexes,
                                   use_rel_pos,
                                   kwargs.get('drop_path_rate', 0.))
            return
        if self.spatial:
            raise ValueError(
                'window_size / use_rel_pos are downstream options: set '
                'masking=False to use them.')
        if num_masks < 1 or self.num_visible < 1:
            raise ValueError(
                f'num_masks={num_masks} and mask_ratio={mask_ratio} leave '
                f'{self.num_visible} visible patches per mask: both must '
                'give at least one mask with one visible patch.')
        if num_masks * self.num_visible > self.num_patches:
            raise ValueError(
                f'num_masks={num_masks} masks of {self.num_visible} visible '
                f'patches each need {num_masks * self.num_visible} distinct '
                f'patches, but the image has only {self.num_patches} '
                f'(img_size={img_size}, patch_size={patch_size}, '
                f'mask_ratio={mask_ratio}). Use num_masks <= '
                f'{self.num_patches // self.num_visible} or a larger '
                'mask_ratio.')

    def orthogonal_masking(
        self, x: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Gather the visible patches of K pairwise disjoint masks.

        Args:
            x (torch.Tensor): Patch embeddings, B x L x C.

        Returns:
            Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:

            - ``x_visible``: (B*K) x n_vis x C, the visible patches.
            - ``mask``: (B*K) x L, 1 for a removed patch, 0 for a visible one.
            - ``ids_restore``: (B*K) x L, for each mask the permutation that
              puts its visible patches first, inverted (as in MAE).
        """
        B, L, C = x.shape
        K, n_vis = self.num_masks, self.num_visible
        # Same draw as MAEViT.random_masking, so K=1 reproduces MAE exactly.
        noise = torch.rand(B, L, device=x.device)
        ids_shuffle = torch.argsort(noise, dim=1)
        ids_restore = torch.argsort(ids_shuffle, dim=1)

        # Mask k's permutation is ids_shuffle rotated left by k * n_vis, so
        # its inverse is ids_restore shifted by the same amount.
        shift = torch.arange(K, device=x.device).view(K, 1, 1) * n_vis
        ids_restore = (ids_restore.unsqueeze(0) - shift) % L  # K x B x L
        ids_keep = ids_shuffle[:, :K * n_vis].reshape(B, K,
                                                      n_vis).transpose(0, 1)

        x_visible = torch.gather(
            x.unsqueeze(0).expand(K, -1, -1, -1),
            dim=2,
            index=ids_keep.unsqueeze(-1).expand(-1, -1, -1, C))
        # float32 like MAE's mask: its sum can exceed the fp16 range under AMP.
        mask = (ids_restore >= n_vis).float()
        return (x_visible.reshape(K * B, n_vis, C), mask.reshape(K * B, L),
                ids_restore.reshape(K * B, L))

    def forward(
        self,
        x: torch.Tensor,
        mask: Optional[bool] = True
    ) -> Union[Tuple[torch.Tensor, ...], List[torch.Tensor]]:
        """Encode the K masked views of every image, or the whole image.

        Args:
            x (torch.Tensor): Images, B x 3 x H x W.
            mask (bool, optional): ``True`` for masked pre-training; ``None``
                or ``False`` runs the plain :class:`VisionTransformer`
                forward on all patches. Defaults to True.

        Returns:
            With masking, a tuple of:

            - ``latent``: (B*K) x (1 + n_vis) x C, encoder output (cls first).
            - ``mask``: (B*K) x L, 1 = removed.
            - ``ids_restore``: (B*K) x L.
            - ``visible_embed``: (B*K) x C, mean of the visible patch
              embeddings (after position embedding, before the transformer),
              the input representation of the min-MI estimator.

            Downstream (``masking=False``, ``mask`` ignored), or with
            ``mask`` None/False, the :class:`VisionTransformer` outputs: a
            tuple with one entry per ``out_indices``.
        """
        if not self.masking:
            return self._forward_spatial(x) if self.spatial else \
                VisionTransformer.forward(self, x)
        if not mask:
            return VisionTransformer.forward(self, x)
        B = x.shape[0]
        x = self.patch_embed(x)[0]
        x = x + self.pos_embed[:, 1:, :]
        x, mask, ids_restore = self.orthogonal_masking(x)
        visible_embed = x.mean(dim=1)

        cls_token = self.cls_token + self.pos_embed[:, :1, :]
        x = torch.cat((cls_token.expand(B * self.num_masks, -1, -1), x),
                      dim=1)
        for layer in self.layers:
            x = layer(x)
        x = self.norm1(x)
        return x, mask, ids_restore, visible_embed

    def _setup_downstream(self, img_size: Union[int, Sequence[int]],
                          window_size: int, global_attn_indexes: Sequence[int],
                          use_rel_pos: bool,
                          drop_path_rate: float) -> None:
        # Fine-tuning trains the position embedding (MAE froze it).
        self.pos_embed.requires_grad = True
        if self.spatial:
            self._use_window_attention(img_size, window_size,
                                       global_attn_indexes, use_rel_pos,
                                       drop_path_rate)
        # VisionTransformer froze in __init__; redo it over the changes above.
        if self.frozen_stages > 0:
            self._freeze_stages()

    def _use_window_attention(self, img_size: Union[int, Sequence[int]],
                              window_size: int,
                              global_attn_indexes: Sequence[int],
                              use_rel_pos: bool,
                              drop_path_rate: float) -> None:
        if self.out_type != 'featmap':
            raise ValueError(
                'window attention / relative position need '
                f"out_type='featmap', got out_type={self.out_type!r}.")
        grid = self.patch_resolution
        # A grid the window does not divide is padded to whole windows, as
        # in ViTDet (64 tokens, window 14 at 1024 px); a window larger than
        # the grid is a configuration mistake.
        if window_size > min(grid):
            raise ValueError(
                f'window_size={window_size} is larger than the '
                f'{grid[0]}x{grid[1]} token grid of img_size={img_size}: use '
                f'window_size <= {min(grid)} or a larger image.')
        # The cls token takes no part in window attention (as in ViTDet).
        self.cls_token.requires_grad = False
        drop_path = torch.linspace(0, drop_path_rate,
                                   self.num_layers).tolist()
        for i, layer in enumerate(self.layers):
            layer.attn = WindowedRelPosAttention(
                self.embed_dims,
                self.arch_settings['num_heads'],
                window_size=0 if i in global_attn_indexes else window_size,
                input_size=grid,
                use_rel_pos=use_rel_pos,
                drop_path_rate=drop_path[i])

    def _forward_spatial(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """ViTDet-style forward on a B x H x W x C token grid (no cls)."""
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

    def downstream_keys(self) -> List[str]:
        """Parameters a downstream variant adds to the pre-trained backbone.

        These are expected to be missing from a pre-training checkpoint and
        keep their explicit initialisation: the relative position tables
        (zeros, ViTDet), the layer scales of ``layer_scale_init_value``
        (that value, BEiT/mmseg-MAE fine-tuning) and the ``ln2`` norm of
        ``out_type='avg_featmap'`` (ones/zeros, MAE's ``fc_norm``).
        """
        return [
            name for name, _ in self.named_parameters()
            if name.endswith(('attn.rel_pos_h', 'attn.rel_pos_w',
                              'gamma1.weight', 'gamma2.weight'))
            or name.startswith('ln2.')
        ]

    def init_weights(self) -> None:
        """MAE's initialisation in pre-training; downstream, a ``Pretrained``
        ``init_cfg`` is loaded by :meth:`load_pretrained` instead of
        mmengine's lenient loader (MAE's re-initialisation would also
        overwrite the loaded ``pos_embed``, ``patch_embed`` and
        ``cls_token``)."""
        if self.masking:
            return super().init_weights()
        pretrained = self.init_cfg if isinstance(
            self.init_cfg, dict) and self.init_cfg.get(
                'type') == 'Pretrained' else None
        if pretrained is None:
            return VisionTransformer.init_weights(self)
        self.init_cfg = None
        VisionTransformer.init_weights(self)
        self.init_cfg = pretrained
        self.load_pretrained(pretrained['checkpoint'],
                             pretrained.get('prefix', ''))

    def load_pretrained(self, checkpoint: str, prefix: str = '') -> None:
        """Load a (pre-training) checkpoint, refusing anything but a match.

        Every parameter must come from the checkpoint except
        :meth:`downstream_keys`; the only checkpoint keys allowed to go
        unused are the final norm ``ln1`` when ``final_norm=False`` (the
        downstream protocols drop it, as MAE fine-tuning does).

        Raises:
            KeyError: if the checkpoint holds no weights under ``prefix`` or
                its keys do not match, listing what was expected and found.
        """
        ckpt = _load_checkpoint(checkpoint, map_location='cpu')
        state = ckpt.get('state_dict', ckpt)
        found = {k[len(prefix):]: v for k, v in state.items()
                 if k.startswith(prefix)}
        expected = sorted(k for k in self.state_dict()
                          if k not in self.downstream_keys())
        if not found:
            raise KeyError(
                f'{checkpoint} holds no backbone weights under prefix '
                f'{prefix!r}. Found {len(state)} keys, e.g. '
                f'{sorted(state)[:8]}; expected {len(expected)} keys such as '
                f'{[prefix + k for k in expected[:8]]}. Convert official '
                'MAE/timm weights with tools/model_converters/.')
        missing, unexpected = self.load_state_dict(found, strict=False)
        unused = set() if self.final_norm else {'ln1.weight', 'ln1.bias'}
        bad_missing = sorted(set(missing) - set(self.downstream_keys()))
        bad_unexpected = sorted(set(unexpected) - unused)
        if bad_missing or bad_unexpected:
            raise KeyError(
                f'{checkpoint} (prefix {prefix!r}) does not match '
                f'{type(self).__name__}: missing {bad_missing}, unexpected '
                f'{bad_unexpected}. Expected the keys {expected}.')
        print_log(
            f'Loaded {len(found) - len(unexpected)} backbone tensors from '
            f'{checkpoint}; initialised explicitly: {sorted(missing)}; '
            f'unused: {sorted(unexpected)}',
            logger='current')
