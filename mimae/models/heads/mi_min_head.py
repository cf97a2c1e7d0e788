from typing import Dict, Optional, Tuple

import torch
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import nn


@MODELS.register_module()
class MinMIHead(BaseModule):
    """Min-MI term of MI-MAE: the CLUB upper bound with an approximation net.

    `Learning Mask Invariant Mutual Information for Masked Image Modeling
    <https://arxiv.org/abs/2502.19718>`_ minimises the information a view's
    latent ``z_j`` keeps about its own masked input ``x_j`` with the CLUB
    bound (Cheng et al., ICML 2020)::

        I(z; x) <= mean_j [ log q(z_j | x_j) - 1/N sum_k log q(z_k | x_j) ]

    where ``q_theta(z | x) = N(mu(x), diag(exp(logvar(x))))`` is the
    approximation network: two small MLPs, ``logvar`` through tanh, as in
    the CLUB reference code. The negatives ``k`` are the K masks of the same
    image (``negatives='masks'``, the paper's Eq. 10 with N = masks per
    image) or every view of this process's batch (``'batch'``, standard
    CLUB).

    Two losses come out of one forward and one backward:

    - ``loss_est = -mean_j log q(z_j.detach() | x_j)`` trains theta only;
    - ``loss_mi_min`` (the bound, weighted) reaches the encoder through ``z``
      only: ``x`` is detached and theta's outputs are detached, so theta is
      not moved by it.

    Log-densities are averaged over the latent dimensions (a per-dimension
    log-likelihood, constant dropped) so the loss scale does not depend on
    the width. Computed in fp32.

    Args:
        in_channels (int): Width of the input representation ``x``.
        latent_channels (int): Width of the latent ``z``.
        hid_channels (int): Hidden width of each MLP. Defaults to 512.
        negatives (str): ``'masks'`` or ``'batch'``. Defaults to 'masks'.
        loss_weight (float): lambda_min, the weight of ``loss_mi_min``.
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 in_channels: int,
                 latent_channels: int,
                 hid_channels: int = 512,
                 negatives: str = 'masks',
                 loss_weight: float = 1.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if negatives not in ('masks', 'batch'):
            raise ValueError(
                f"negatives must be 'masks' or 'batch', got {negatives!r}.")
        self.mu = nn.Sequential(
            nn.Linear(in_channels, hid_channels), nn.ReLU(inplace=True),
            nn.Linear(hid_channels, latent_channels))
        self.logvar = nn.Sequential(
            nn.Linear(in_channels, hid_channels), nn.ReLU(inplace=True),
            nn.Linear(hid_channels, latent_channels), nn.Tanh())
        self.negatives = negatives
        self.loss_weight = loss_weight

    def approximate(self,
                    x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Mean and log-variance of q_theta(z | x); x is ... x C_in."""
        return self.mu(x), self.logvar(x)

    @staticmethod
    def log_likelihood(z: torch.Tensor, mu: torch.Tensor,
                       logvar: torch.Tensor) -> torch.Tensor:
        """Per-dimension Gaussian log-density without its constant."""
        return -0.5 * ((z - mu)**2 / logvar.exp() + logvar).mean(dim=-1)

    def club(self, z: torch.Tensor, mu: torch.Tensor,
             logvar: torch.Tensor) -> torch.Tensor:
        """The CLUB estimate, mean over views.

        Args:
            z (torch.Tensor): Latents, K x B x C.
            mu, logvar (torch.Tensor): q's parameters for each view's input,
                K x B x C.

        Returns:
            torch.Tensor: the scalar bound.
        """
        positive = self.log_likelihood(z, mu, logvar)
        # mean_k (z_k - mu_j)^2 = Var_k(z) + (mean_k z_k - mu_j)^2, so the
        # negative term needs no K x K (or N x N) table.
        dims = (0, ) if self.negatives == 'masks' else (0, 1)
        z_mean = z.mean(dim=dims, keepdim=True)
        z_var = z.var(dim=dims, unbiased=False, keepdim=True)
        negative = -0.5 * (
            (z_var + (z_mean - mu)**2) / logvar.exp() + logvar).mean(dim=-1)
        return (positive - negative).mean()

    def loss(self, feats: torch.Tensor,
             visible_embed: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Compute ``loss_est`` and ``loss_mi_min``.

        Args:
            feats (torch.Tensor): Pooled latents ``z``, K x B x C.
            visible_embed (torch.Tensor): Input representations ``x`` (mean
                visible patch embedding of each view), K x B x C_in.

        Returns:
            Dict[str, torch.Tensor]: ``loss_est``, ``loss_mi_min`` (weighted)
            and the logged, unweighted bound ``mi_min_club``.
        """
        with torch.autocast(device_type=feats.device.type, enabled=False):
            z = feats.float()
            mu, logvar = self.approximate(visible_embed.detach().float())
            loss_est = -self.log_likelihood(z.detach(), mu, logvar).mean()
            bound = self.club(z, mu.detach(), logvar.detach())
        return dict(
            loss_est=loss_est,
            loss_mi_min=self.loss_weight * bound,
            mi_min_club=bound.detach())
