from typing import Dict, Optional, Sequence, Tuple

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
    approximation network: two small MLPs, ``logvar`` through tanh as in the
    CLUB reference code. Unlike that code, and because a q that does not fit
    makes CLUB neither a bound nor a useful gradient (docs/results/
    min_mi.md):

    - tanh is mapped onto ``logvar_range`` (default (-8, 8)) instead of its
      own (-1, 1), which floors the variance at exp(-1) = 0.37: the tiny
      ViT's latents vary less than that per dimension, and every logvar
      entry sat at -1;
    - q models z standardised by the batch's mean and standard deviation
      (``standardize``, :meth:`standardise`), so it does not have to follow
      the encoder's drift of z's mean and scale;
    - the output layers start near zero (:meth:`init_weights`), so q starts
      as one Gaussian for every x and the bound starts near zero.

    The negatives ``k`` are the K masks of the same image
    (``negatives='masks'``, the paper's Eq. 10 with N = masks per image) or
    every view of this process's batch (``'batch'``, standard CLUB).

    Two losses come out of one forward and one backward:

    - ``loss_est = -mean_j log q(z_j.detach() | x_j)`` trains theta only;
    - ``loss_mi_min`` (the bound, weighted) reaches the encoder through ``z``
      only: ``x`` is detached and theta's outputs are detached, so theta is
      not moved by it.

    Log-densities are averaged over the latent dimensions (a per-dimension
    log-likelihood, constant dropped) so the loss scale does not depend on
    the width. Computed in fp32.

    Logged diagnostics of q's fit (no "loss" in their names, so mmengine
    does not add them to the loss), all from the one forward, detached:

    - ``mi_min_nll``: q's NLL of this batch's latents, per dimension, in
      z's own units, measured before q is updated on them (each batch
      brings fresh images and masks, so q's parameters have not seen it:
      a held-out estimate). Without ``standardize`` it is ``loss_est``'s
      value; with it, ``loss_est`` plus the mean log standard deviation;
    - ``mi_min_nll_gauss``: the NLL of a baseline that ignores ``x``, a
      per-dimension Gaussian with the batch's own mean and variance of
      ``z`` (the statistics the standardisation gives q too). q uses ``x``
      when ``mi_min_nll < mi_min_nll_gauss``;
    - ``mi_min_r2``: the share of ``z``'s variance around the batch mean
      that ``mu(x)`` explains (variance-weighted over the dimensions);
    - ``mi_min_logvar_at_bound``: the fraction of logvar entries within 1%
      of the range's width from either end of ``logvar_range``.

    Args:
        in_channels (int): Width of the input representation ``x``.
        latent_channels (int): Width of the latent ``z``.
        hid_channels (int): Hidden width of each MLP. Defaults to 512.
        negatives (str): ``'masks'`` or ``'batch'``. Defaults to 'masks'.
        loss_weight (float): lambda_min, the weight of ``loss_mi_min``.
        logvar_range (Sequence[float]): ``(low, high)``, the log-variances
            (of the standardised z with ``standardize``) that tanh's (-1, 1)
            is mapped onto. Defaults to (-8, 8): standard deviations from
            1.8% to 55 times z's own. ``(-1, 1)`` is the CLUB reference code.
        standardize (bool): Whether q models z in units of the batch's
            statistics (:meth:`standardise`). Defaults to True; False with
            ``logvar_range=(-1, 1)`` is the CLUB reference head.
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 in_channels: int,
                 latent_channels: int,
                 hid_channels: int = 512,
                 negatives: str = 'masks',
                 loss_weight: float = 1.0,
                 logvar_range: Sequence[float] = (-8., 8.),
                 standardize: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if negatives not in ('masks', 'batch'):
            raise ValueError(
                f"negatives must be 'masks' or 'batch', got {negatives!r}.")
        low, high = (float(v) for v in logvar_range)
        if not low < high:
            raise ValueError('logvar_range must be (low, high) with low < '
                             f'high, got {tuple(logvar_range)}.')
        self.mu = nn.Sequential(
            nn.Linear(in_channels, hid_channels), nn.ReLU(inplace=True),
            nn.Linear(hid_channels, latent_channels))
        self.logvar = nn.Sequential(
            nn.Linear(in_channels, hid_channels), nn.ReLU(inplace=True),
            nn.Linear(hid_channels, latent_channels), nn.Tanh())
        self.logvar_range = (low, high)
        self.standardize = standardize
        self.negatives = negatives
        self.loss_weight = loss_weight

    def init_weights(self) -> None:
        """The configured init, then near-zero output layers.

        The model's init_cfg (Xavier on every Linear in the MAE configs) runs
        first; the output layers of mu and logvar are then scaled to 1% and
        their biases zeroed, so q starts close to one Gaussian for every x,
        ``N(0, exp(mean(logvar_range)))`` (the standardised z's own), and
        the bound and its push on the encoder start close to zero until q
        has learnt how z depends on x: with a wide logvar range, a random
        output layer's misfit of mu is divided by variances far below z's
        own, and the first NLLs and bounds are far from zero. Not exactly
        zero: every parameter keeps a gradient at the first step.
        """
        super().init_weights()
        own = self.init_cfg
        if not isinstance(own, list):
            own = [own]
        if any(cfg and cfg.get('type') == 'Pretrained' for cfg in own):
            return  # the loaded weights stand
        with torch.no_grad():
            for layer in (self.mu[-1], self.logvar[-2]):
                layer.weight.mul_(0.01)
                layer.bias.zero_()

    def approximate(self,
                    x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Mean and log-variance of q_theta(z | x).

        Args:
            x (torch.Tensor): Input representations, ... x C_in.

        Returns:
            Tuple[torch.Tensor, torch.Tensor]: ``mu`` and ``logvar``, each
            ... x C, ``logvar`` inside ``logvar_range``.
        """
        low, high = self.logvar_range
        # An affine map of tanh keeps the reference design's smooth bounds
        # (no variance collapsing to zero or blowing up) over a useful range.
        logvar = (high + low) / 2 + (high - low) / 2 * self.logvar(x)
        return self.mu(x), logvar

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

    def standardise(
        self, z: torch.Tensor
    ) -> Tuple[torch.Tensor, Optional[torch.Tensor], Optional[torch.Tensor]]:
        """The latents q models: z in units of the batch's statistics.

        With ``standardize``, each dimension is centred and scaled by the
        batch's mean and standard deviation over all views: q then models
        how z deviates within the batch, which stays put while the encoder
        moves z's mean and scale from step to step. The statistics are not
        detached, so the bound is exactly invariant to a shift and scale of
        each dimension of z and its gradient has no part along them: for a
        fixed q the bound falls to zero as z shrinks to a point, and with
        detached statistics the encoder could lower it that way without
        changing what z knows about x.

        Args:
            z (torch.Tensor): Latents, ... x C (every leading axis is a
                sample).

        Returns:
            Tuple: the modelled latents (z's shape), and the mean and
            standard deviation used, each C, detached (None without
            ``standardize``).
        """
        if not self.standardize:
            return z, None, None
        flat = z.flatten(0, -2)
        center = flat.mean(dim=0)
        scale = flat.std(dim=0, unbiased=False).clamp_min(1e-6)
        return (z - center) / scale, center.detach(), scale.detach()

    def fit_diagnostics(
            self,
            z: torch.Tensor,
            mu: torch.Tensor,
            logvar: torch.Tensor,
            center: Optional[torch.Tensor] = None,
            scale: Optional[torch.Tensor] = None) -> Dict[str, torch.Tensor]:
        """How well q fits ``z``, against a Gaussian that ignores ``x``.

        Everything is measured in z's own units, so runs with and without
        ``standardize`` compare.

        Args:
            z (torch.Tensor): Latents, ... x C (every leading axis is a
                sample), not standardised.
            mu, logvar (torch.Tensor): q's outputs, the shape of ``z``.
            center, scale (torch.Tensor, optional): The standardisation q's
                outputs are in (:meth:`standardise`), each C.

        Returns:
            Dict[str, torch.Tensor]: scalars ``mi_min_nll``,
            ``mi_min_nll_gauss``, ``mi_min_r2`` and
            ``mi_min_logvar_at_bound`` (see the class docstring).
        """
        z, mu, logvar = z.detach(), mu.detach(), logvar.detach()
        low, high = self.logvar_range
        margin = 0.01 * (high - low)
        at_bound = ((logvar <= low + margin) |
                    (logvar >= high - margin)).float().mean()
        if scale is not None:
            mu = center + scale * mu
            logvar = logvar + 2 * scale.log()
        flat = z.flatten(0, -2)
        var = flat.var(dim=0, unbiased=False)
        # The Gaussian's own (z - mean)^2 / var averages to 1 over the batch.
        nll_gauss = 0.5 * (var.log() + 1).mean()
        r2 = 1 - ((z - mu)**2).sum() / (var.sum() * flat.shape[0])
        return dict(
            mi_min_nll=-self.log_likelihood(z, mu, logvar).mean(),
            mi_min_nll_gauss=nll_gauss,
            mi_min_r2=r2,
            mi_min_logvar_at_bound=at_bound)

    def loss(self, feats: torch.Tensor,
             visible_embed: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Compute ``loss_est`` and ``loss_mi_min``.

        Args:
            feats (torch.Tensor): Pooled latents ``z``, K x B x C.
            visible_embed (torch.Tensor): Input representations ``x`` (mean
                visible patch embedding of each view), K x B x C_in.

        Returns:
            Dict[str, torch.Tensor]: ``loss_est``, ``loss_mi_min``
            (weighted), the logged, unweighted bound ``mi_min_club`` and the
            detached fit diagnostics of :meth:`fit_diagnostics`.
        """
        with torch.autocast(device_type=feats.device.type, enabled=False):
            feats = feats.float()
            z, center, scale = self.standardise(feats)
            mu, logvar = self.approximate(visible_embed.detach().float())
            loss_est = -self.log_likelihood(z.detach(), mu, logvar).mean()
            bound = self.club(z, mu.detach(), logvar.detach())
            diagnostics = self.fit_diagnostics(feats, mu, logvar, center,
                                               scale)
        return dict(
            loss_est=loss_est,
            loss_mi_min=self.loss_weight * bound,
            mi_min_club=bound.detach(),
            **diagnostics)
