import math
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.dist import get_rank, get_world_size
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch.distributed.nn.functional import all_gather


@MODELS.register_module()
class MaxMIHead(BaseModule):
    """Max-MI term of MI-MAE: InfoNCE between the masks of one image.

    `Learning Mask Invariant Mutual Information for Masked Image Modeling
    <https://arxiv.org/abs/2502.19718>`_ maximises the mutual information
    between the latents of different masks of the same image through the
    InfoNCE lower bound. Each view's pooled latent goes through a projector
    (Linear-BN-ReLU-Linear, MoCo v3 style, reusing
    :class:`mmpretrain.models.NonLinearNeck`) and is L2-normalised. For every
    ordered pair of masks ``(i, k)``, ``i != k``, the queries of mask ``i``
    are contrasted against the keys of mask ``k`` of all images of the
    global batch, the same image being the positive. The loss is the mean
    over the K(K-1) pairs, computed in fp32.

    Across processes the keys are gathered with the differentiable
    ``torch.distributed.nn.functional.all_gather``, so the gradient also
    flows through the other ranks' keys.

    Args:
        in_channels (int): Width of the pooled latent.
        hid_channels (int): Projector hidden width. Defaults to 2048.
        out_channels (int): Projector output width. Defaults to 256.
        temperature (float): InfoNCE temperature. Defaults to 0.07.
        loss (dict): The classification loss over the candidates of each
            query, built from MMPretrain's ``MODELS`` as in its
            ``ContrastiveHead``; its ``loss_weight`` is lambda_max, the
            weight of ``loss_mi_max``. Defaults to cross-entropy, weight 1.
        norm_cfg (dict): Projector norm. Defaults to ``BN1d``; use
            ``SyncBN`` in multi-process configs, as the ViT-B/L configs
            do: the keys are gathered from every process, and per-process
            statistics would let a query and its positive share batch
            statistics that the other processes' negatives lack (MoCo v3
            uses SyncBN in its projectors). On CPU processes (gloo)
            ``SyncBN`` is :class:`mimae.models.utils.CPUSyncBatchNorm`
            (``mimae.compat``); in one process it is plain batch norm.
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 in_channels: int,
                 hid_channels: int = 2048,
                 out_channels: int = 256,
                 temperature: float = 0.07,
                 loss: dict = dict(type='CrossEntropyLoss', loss_weight=1.0),
                 norm_cfg: dict = dict(type='BN1d'),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.projector = MODELS.build(
            dict(
                type='NonLinearNeck',
                in_channels=in_channels,
                hid_channels=hid_channels,
                out_channels=out_channels,
                num_layers=2,
                with_bias=False,
                with_last_bn=False,
                with_last_bias=True,
                with_avg_pool=False,
                norm_cfg=norm_cfg))
        self.temperature = temperature
        self.loss_module = MODELS.build(loss)
        if not self.loss_module.loss_weight:
            raise ValueError(
                'MaxMIHead got loss_weight 0: to train without the max-MI '
                'term set mi_max_head=None.')

    def info_nce(self, z: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """InfoNCE over all ordered pairs of different masks.

        Args:
            z (torch.Tensor): L2-normalised embeddings, K x B x D (this
                process's images).

        Returns:
            Tuple[torch.Tensor, torch.Tensor]: the (weighted) loss averaged
            over the K(K-1) pairs and the B queries, and the top-1 accuracy
            of picking the positive.
        """
        K, B, _ = z.shape
        world_size = get_world_size()
        if world_size > 1:
            keys = torch.cat(all_gather(z.contiguous()), dim=1)  # K x BW x D
        else:
            keys = z
        # All ordered pairs (i, k), i != k, without torch.nonzero (a
        # device-to-host sync on GPU): k = i + 1 + j (mod K), j < K - 1.
        query_idx = torch.arange(K, device=z.device).repeat_interleave(K - 1)
        key_idx = (query_idx + 1 +
                   torch.arange(K - 1, device=z.device).repeat(K)) % K
        logits = torch.einsum('pbd,pnd->pbn', z[query_idx],
                              keys[key_idx]) / self.temperature
        labels = torch.arange(B, device=z.device) + B * get_rank()
        labels = labels.repeat(K * (K - 1))
        logits = logits.flatten(0, 1)
        loss = self.loss_module(logits, labels)
        acc = (logits.argmax(dim=1) == labels).float().mean()
        return loss, acc

    def loss(self, feats: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Compute the max-MI loss.

        Args:
            feats (torch.Tensor): Pooled latents, K x B x C.

        Returns:
            Dict[str, torch.Tensor]: ``loss_mi_max`` (weighted), and the
            logged diagnostics ``mi_max_acc`` (InfoNCE top-1 accuracy) and
            ``mi_max_bound`` (the InfoNCE lower bound on the MI in nats,
            log(N) - InfoNCE with N the number of candidates).
        """
        if feats.shape[0] < 2:
            raise ValueError('The max-MI term needs num_masks >= 2, got '
                             f'{feats.shape[0]}.')
        K, B, C = feats.shape
        z = self.projector((feats.reshape(K * B, C), ))[0]
        with torch.autocast(device_type=z.device.type, enabled=False):
            z = F.normalize(z.float(), dim=-1).view(K, B, -1)
            loss, acc = self.info_nce(z)
        # The bound is on the unweighted InfoNCE.
        weight = self.loss_module.loss_weight
        bound = math.log(B * get_world_size()) - loss.detach() / weight
        return dict(loss_mi_max=loss, mi_max_acc=acc, mi_max_bound=bound)
