from typing import Dict, List, Optional

import torch
from mmpretrain.models.selfsup.mae import MAE
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample


@MODELS.register_module()
class MIMAE(MAE):
    """MI-MAE: MAE with K orthogonal masks and two mutual-information terms.

    Implementation of `Learning Mask Invariant Mutual Information for Masked
    Image Modeling <https://arxiv.org/abs/2502.19718>`_ (ICLR 2025). The
    backbone (:class:`MIMAEViT`) encodes K disjoint-visible masked views of
    every image in one pass; MAE's decoder, head and loss are reused
    unchanged. On top of the pixel reconstruction of every view:

    - ``mi_max_head`` (:class:`MaxMIHead`) maximises the MI between the
      latents of different masks of one image (InfoNCE);
    - ``mi_min_head`` (:class:`MinMIHead`) minimises the MI between each
      latent and its masked input (CLUB with an approximation network).

    Either head may be ``None`` (the ablations). With ``num_masks=1`` and no
    heads the loss equals :class:`MAE`'s for the same weights and seed.

    Loss keys: ``loss_rec`` (mean over the removed patches of all views),
    ``loss_mi_max``, ``loss_mi_min``, ``loss_est``; diagnostics are logged
    under names without "loss".

    Args:
        backbone (dict): :class:`MIMAEViT` config.
        neck (dict): ``MAEPretrainDecoder`` config.
        head (dict): ``MAEPretrainHead`` config.
        mi_max_head (dict, optional): :class:`MaxMIHead` config; its
            ``in_channels`` defaults to the backbone width.
        mi_min_head (dict, optional): :class:`MinMIHead` config; its
            ``in_channels`` and ``latent_channels`` default to the backbone
            width.
        feature (str): Pooled latent fed to both MI heads: ``'mean'`` of the
            visible-token latents, or the ``'cls'`` token. Defaults to
            'mean'.
        **kwargs: The other arguments of :class:`BaseSelfSupervisor`.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 mi_max_head: Optional[dict] = None,
                 mi_min_head: Optional[dict] = None,
                 feature: str = 'mean',
                 **kwargs) -> None:
        super().__init__(backbone=backbone, neck=neck, head=head, **kwargs)
        if feature not in ('mean', 'cls'):
            raise ValueError(
                f"feature must be 'mean' or 'cls', got {feature!r}.")
        self.feature = feature
        width = self.backbone.embed_dims
        self.mi_max_head = None
        if mi_max_head is not None:
            if self.backbone.num_masks < 2:
                raise ValueError(
                    'mi_max_head contrasts different masks of one image and '
                    f'needs backbone.num_masks >= 2, got '
                    f'{self.backbone.num_masks}.')
            self.mi_max_head = MODELS.build(
                dict(dict(in_channels=width), **mi_max_head))
        self.mi_min_head = None
        if mi_min_head is not None:
            self.mi_min_head = MODELS.build(
                dict(
                    dict(in_channels=width, latent_channels=width),
                    **mi_min_head))

    def pool(self, latent: torch.Tensor) -> torch.Tensor:
        """Pool each view's latent: (B*K) x (1 + n_vis) x C -> (B*K) x C."""
        if self.feature == 'cls':
            return latent[:, 0]
        return latent[:, 1:].mean(dim=1)

    def loss(self, inputs: torch.Tensor, data_samples: List[DataSample],
             **kwargs) -> Dict[str, torch.Tensor]:
        """Reconstruction of every view plus the MI terms.

        Args:
            inputs (torch.Tensor): Normalised images, B x 3 x H x W; also the
                reconstruction target, as in MAE.
            data_samples (List[DataSample]): Unused.

        Returns:
            Dict[str, torch.Tensor]: losses and logged diagnostics.
        """
        latent, mask, ids_restore, visible_embed = self.backbone(inputs)
        losses = dict(
            loss_rec=self.reconstruction_loss(inputs, latent, mask,
                                              ids_restore))
        losses.update(self.mi_losses(latent, visible_embed))
        return losses

    def reconstruction_loss(self, inputs: torch.Tensor, latent: torch.Tensor,
                            mask: torch.Tensor,
                            ids_restore: torch.Tensor) -> torch.Tensor:
        """MAE's decoder and pixel loss over the K views of every image.

        Args:
            inputs (torch.Tensor): Normalised images, B x 3 x H x W.
            latent (torch.Tensor): Encoder output, (K*B) x (1 + n_vis) x C.
            mask (torch.Tensor): (K*B) x L, 1 = removed.
            ids_restore (torch.Tensor): (K*B) x L.

        Returns:
            torch.Tensor: the mean loss over the removed patches of all views.
        """
        num_masks = self.backbone.num_masks
        # Rows are mask-major (see MIMAEViT): K x B x L x D.
        pred = self.neck(latent, ids_restore).unflatten(0, (num_masks, -1))
        # The normalised target is computed once per image and broadcast to
        # its K views without a copy. With the mask given per element, the
        # loss module's masked sum over mask.sum() is MAE's loss: the mean
        # over the removed patches of each patch's mean error.
        target = self.head.construct_target(inputs)
        mask = mask.unflatten(0, (num_masks, -1)).unsqueeze(-1)
        return self.head.loss_module(pred, target.expand_as(pred),
                                     mask.expand_as(pred))

    def mi_losses(self, latent: torch.Tensor,
                  visible_embed: torch.Tensor) -> Dict[str, torch.Tensor]:
        """The max-MI and min-MI terms of the heads that are configured.

        Args:
            latent (torch.Tensor): Encoder output, (K*B) x (1 + n_vis) x C.
            visible_embed (torch.Tensor): (K*B) x C, each view's input
                representation (see :class:`MIMAEViT`).

        Returns:
            Dict[str, torch.Tensor]: the heads' losses and diagnostics;
            empty without heads.
        """
        losses = dict()
        if self.mi_max_head is None and self.mi_min_head is None:
            return losses
        num_masks = self.backbone.num_masks
        feats = self.pool(latent).view(num_masks, -1, latent.shape[-1])
        if self.mi_max_head is not None:
            losses.update(self.mi_max_head.loss(feats))
        if self.mi_min_head is not None:
            losses.update(
                self.mi_min_head.loss(
                    feats, visible_embed.view(num_masks, feats.shape[1], -1)))
        return losses
