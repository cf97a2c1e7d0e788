from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmpretrain.models.selfsup.mae import MAEViT
from mmpretrain.registry import MODELS


def check_patch_grid(img_size: Union[int, Sequence[int]],
                     patch_size: int) -> None:
    """Refuse an image size that the patch size does not divide.

    Raises:
        ValueError: naming both sizes and the nearest size that works.
    """
    for size in (img_size if isinstance(img_size, (tuple, list)) else
                 (img_size, )):
        if size % patch_size:
            raise ValueError(
                f'img_size={img_size} is not a multiple of '
                f'patch_size={patch_size}: choose an image size that the '
                'patch size divides (e.g. '
                f'{size // patch_size * patch_size}).')


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
    that of :class:`mmpretrain.models.MAEViT`. The parameters and their names
    are those of :class:`mmpretrain.models.VisionTransformer`, so the
    ``backbone.`` part of a checkpoint loads unchanged into MMPretrain's ViT
    (classification, segmentation) and :class:`mimae.models.ViTDet`
    (detection).

    Args:
        num_masks (int): Masks per image (K). Defaults to 4.
        mask_ratio (float): Fraction of patches each mask removes.
            Defaults to 0.75.
        **kwargs: The other arguments of :class:`MAEViT` (``arch``,
            ``img_size``, ``patch_size``, ...).

    Raises:
        ValueError: If the image size is not a multiple of the patch size,
            or if ``num_masks`` disjoint visible sets do not fit in the
            image.
    """

    def __init__(self,
                 arch: Union[str, dict] = 'b',
                 img_size: int = 224,
                 patch_size: int = 16,
                 num_masks: int = 4,
                 mask_ratio: float = 0.75,
                 **kwargs) -> None:
        check_patch_grid(img_size, patch_size)
        super().__init__(
            arch=arch,
            img_size=img_size,
            patch_size=patch_size,
            mask_ratio=mask_ratio,
            **kwargs)
        self.num_masks = num_masks
        self.num_visible = int(self.num_patches * (1 - mask_ratio))
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

        # Rows of the B*L patches, so the backward accumulates into one
        # B x L x C gradient, not into K expanded copies of it.
        rows = ids_keep + L * torch.arange(B, device=x.device).view(1, B, 1)
        x_visible = x.reshape(B * L, C).index_select(0, rows.flatten())
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
                forward on all patches, as :class:`MAEViT` does.
                Defaults to True.

        Returns:
            With masking, a tuple of:

            - ``latent``: (B*K) x (1 + n_vis) x C, encoder output (cls first).
            - ``mask``: (B*K) x L, 1 = removed.
            - ``ids_restore``: (B*K) x L.
            - ``visible_embed``: (B*K) x C, mean of the visible patch
              embeddings (after position embedding, before the transformer),
              the input representation of the min-MI estimator.

            Without, the :class:`VisionTransformer` outputs.
        """
        if not mask:
            return super().forward(x, mask=None)
        B = x.shape[0]
        x = self.patch_embed(x)[0]
        x = x + self.pos_embed[:, 1:, :]
        x, mask, ids_restore = self.orthogonal_masking(x)
        visible_embed = x.mean(dim=1)

        cls_token = self.cls_token + self.pos_embed[:, :1, :]
        x = torch.cat((cls_token.expand(B * self.num_masks, -1, -1), x), dim=1)
        for layer in self.layers:
            x = layer(x)
        x = self.norm1(x)
        return x, mask, ids_restore, visible_embed
