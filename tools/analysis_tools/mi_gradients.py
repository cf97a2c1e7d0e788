"""How hard does each MI-MAE loss term pull on the encoder, and does q fit?

    tools/analysis_tools/mi_gradients.py CONFIG [CHECKPOINT] [--batches 8]
        [--refit-steps 1000] [--cfg-options ...]

The model is built as the training Runner builds it, with the config's
top-level ``data_preprocessor`` (so the inputs are normalised as in
training). For a few training batches, one forward each:

1. the gradient of every loss term (as weighted in the config) with respect
   to the encoder's parameters: its norm, its ratio to ``loss_rec``'s and
   its cosine with it;
2. the min-MI head's fit diagnostics on those batches (q's NLL of batches it
   was not trained on, the NLL of a per-dimension Gaussian that ignores x,
   R^2 of q's mean, logvar entries at a bound of ``logvar_range``);
3. the CLUB estimate with the config's negatives and with the other choice
   ('masks' = the K masks of the same image, 'batch' = every view of the
   batch);
4. what the latents ``z`` look like and how much the inputs ``x`` tell about
   them, on another draw of masks: z's per-dimension variance, and, fitted
   on the first half of the batches and scored on the second, a ridge
   regression of z on x and a fresh copy of the approximation net trained
   for ``--refit-steps`` Adam steps (held-out R^2 and NLL against a
   Gaussian fitted on the first half; see :func:`x_explains_z`).

Without a checkpoint the model is evaluated at initialisation.
"""
import argparse
import copy
import math
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, load_checkpoint, set_random_seed
from mmpretrain.apis import get_model
from torch import nn

import mimae  # noqa: F401  (first: patches the stack, registers modules)

TERMS = ('loss_rec', 'loss_mi_max', 'loss_mi_min', 'loss_est')
FIT_KEYS = ('mi_min_nll', 'mi_min_nll_gauss', 'mi_min_r2',
            'mi_min_logvar_at_bound')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?')
    parser.add_argument('--batches', type=int, default=8)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--refit-steps',
        type=int,
        default=1000,
        help='Adam steps of the fresh approximation net (0: skip)')
    parser.add_argument(
        '--refit-logvar-range',
        type=float,
        nargs=2,
        metavar=('LOW', 'HIGH'),
        help="the fresh net's logvar_range (default: the head's)")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def load_model(cfg: Config, checkpoint: Optional[str] = None) -> nn.Module:
    """The config's model as training builds it, in train mode.

    Args:
        cfg (Config): The pre-training config.
        checkpoint (str, optional): Weights to load (strict); without it the
            model is at initialisation.

    Returns:
        nn.Module: the model, preprocessor included.
    """
    # MMPretrain's get_model merges the top-level preprocessor into the
    # model as the Runner does (MODELS.build(cfg.model) would not).
    model = get_model(cfg)
    model.init_weights()
    if checkpoint:
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    return model.train()


def views(model: nn.Module,
          inputs: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """One draw of masks: latents ``z`` and inputs ``x``, each K x B x C."""
    latent, _, _, visible = model.backbone(inputs)
    k, batch = model.backbone.num_masks, inputs.shape[0]
    z = model.pool(latent).view(k, batch, -1).float()
    return z, visible.view(k, batch, -1).float()


def club_both_ways(head: nn.Module, z: torch.Tensor,
                   x: torch.Tensor) -> Dict[str, float]:
    """The CLUB estimate with 'masks' and with 'batch' negatives."""
    z = head.standardise(z)[0]
    mu, logvar = head.approximate(x)
    out = {}
    saved = head.negatives
    for negatives in ('masks', 'batch'):
        head.negatives = negatives
        out[negatives] = float(head.club(z, mu, logvar))
    head.negatives = saved
    return out


def r_squared(z: torch.Tensor, pred: torch.Tensor) -> float:
    """Share of z's variance (around its own mean) that ``pred`` explains,
    variance-weighted over the dimensions; z and pred are N x C."""
    return float(1 - ((z - pred)**2).sum() / ((z - z.mean(0))**2).sum())


def x_explains_z(
        head: nn.Module,
        xs: List[torch.Tensor],
        zs: List[torch.Tensor],
        steps: int,
        seed: int,
        logvar_range: Optional[Sequence[float]] = None) -> Dict[str, float]:
    """Fit z from x on the first half of the batches, score the second.

    Three predictors of z, each scored on the held-out half: a per-dimension
    Gaussian that ignores x; ridge regression on x with a per-dimension
    residual variance (a linear-Gaussian q); and a re-initialised copy of the
    approximation net trained with Adam, its state taken at the step with the
    lowest NLL on the last quarter of the fitting half (held back from its
    training: full-batch steps on a few thousand views overfit).

    Args:
        head (nn.Module): The model's MinMIHead; the copy is trained, the
            model's own is not touched.
        xs, zs (List[torch.Tensor]): Per batch, K x B x C_in and K x B x C.
        steps (int): Full-batch Adam steps (lr 1e-3) of the copy; 0 skips it.
        seed (int): Seed of the copy's initialisation.
        logvar_range (Sequence[float], optional): The copy's
            ``logvar_range``; default the head's.

    Returns:
        Dict[str, float]: held-out NLLs per dimension (constant dropped, z's
        units) ``gauss_nll`` and ``ridge_nll``, ``ridge_r2``, and with
        ``steps``: ``q_nll``, ``q_r2``, ``q_at_bound``, ``q_logvar`` (mean,
        in the units q models) and ``q_step`` (the step kept) of the copy.
    """
    half = len(xs) // 2
    x_fit, x_test = (
        torch.cat([x.flatten(0, 1) for x in part])
        for part in (xs[:half], xs[half:]))
    z_fit, z_test = (
        torch.cat([z.flatten(0, 1) for z in part])
        for part in (zs[:half], zs[half:]))
    nll = head.log_likelihood
    mean, var = z_fit.mean(0), z_fit.var(0, unbiased=False)
    out = dict(gauss_nll=float(-nll(z_test, mean, var.log()).mean()))
    # Ridge with a bias column; the small ridge only guards the solve.
    design = F.pad(x_fit, (0, 1), value=1.)
    gram = design.T @ design
    gram += 1e-4 * gram.diagonal().mean() * torch.eye(len(gram))
    weights = torch.linalg.solve(gram, design.T @ z_fit)
    residual = ((z_fit - design @ weights)**2).mean(0)
    pred = F.pad(x_test, (0, 1), value=1.) @ weights
    out.update(
        ridge_nll=float(-nll(z_test, pred, residual.log()).mean()),
        ridge_r2=r_squared(z_test, pred))
    if not steps:
        return out
    torch.manual_seed(seed)
    fresh = copy.deepcopy(head).train()
    if logvar_range is not None:
        fresh.logvar_range = tuple(logvar_range)
    for module in fresh.modules():
        if isinstance(module, nn.Linear):
            module.reset_parameters()
    # The head's standardisation, with the fitting half's statistics for
    # every split.
    target, center, scale = fresh.standardise(z_fit)
    n_train = len(x_fit) * 3 // 4
    optimizer = torch.optim.Adam(fresh.parameters(), lr=1e-3)
    best = (math.inf, 0, copy.deepcopy(fresh.state_dict()))
    with torch.enable_grad():
        for step in range(1, steps + 1):
            optimizer.zero_grad()
            mu, logvar = fresh.approximate(x_fit[:n_train])
            (-nll(target[:n_train], mu, logvar).mean()).backward()
            optimizer.step()
            with torch.no_grad():
                mu, logvar = fresh.approximate(x_fit[n_train:])
                val = float(-nll(target[n_train:], mu, logvar).mean())
            if val < best[0]:
                best = (val, step, copy.deepcopy(fresh.state_dict()))
    fresh.load_state_dict(best[2])
    with torch.no_grad():
        mu, logvar = fresh.approximate(x_test)
    fit = fresh.fit_diagnostics(z_test, mu, logvar, center, scale)
    out.update(
        q_nll=float(fit['mi_min_nll']),
        q_r2=float(fit['mi_min_r2']),
        q_at_bound=float(fit['mi_min_logvar_at_bound']),
        q_logvar=float(logvar.mean()),
        q_step=best[1])
    return out


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    # Python, numpy and torch: the same masks, crops and order every run.
    set_random_seed(args.seed)
    model = load_model(cfg, args.checkpoint)
    head = getattr(model, 'mi_min_head', None)
    encoder = [p for p in model.backbone.parameters() if p.requires_grad]
    loader = Runner.build_dataloader(
        dict(cfg.train_dataloader, num_workers=0, persistent_workers=False),
        seed=args.seed)
    sums = {t: [] for t in TERMS}
    cosines = {t: [] for t in TERMS}
    fits = {k: [] for k in FIT_KEYS}
    clubs, xs, zs = [], [], []
    for step, batch in enumerate(loader):
        if step == args.batches:
            break
        data = model.data_preprocessor(batch, True)
        losses = model(**data, mode='loss')
        rec_grad = None
        for term in TERMS:
            if term not in losses:
                continue
            grads = torch.autograd.grad(
                losses[term], encoder, retain_graph=True, allow_unused=True)
            flat = torch.cat([
                (g if g is not None else torch.zeros_like(p)).flatten()
                for g, p in zip(grads, encoder)
            ])
            sums[term].append(float(flat.norm()))
            if term == 'loss_rec':
                rec_grad = flat
            elif rec_grad is not None and flat.norm() > 0:
                cosines[term].append(
                    float(F.cosine_similarity(flat, rec_grad, dim=0)))
        for key in FIT_KEYS:
            if key in losses:
                fits[key].append(float(losses[key]))
        if head is not None:
            with torch.no_grad():
                z, x = views(model, data['inputs'])
                clubs.append(club_both_ways(head, z, x))
                xs.append(x)
                zs.append(z)

    def mean(values):
        return sum(values) / len(values) if values else math.nan

    rec = mean(sums['loss_rec'])
    print('| term (weighted as in the config) | encoder grad norm | '
          '/ loss_rec | cosine with loss_rec |')
    print('| --- | --- | --- | --- |')
    for term in TERMS:
        if sums[term]:
            print(f'| {term} | {mean(sums[term]):.3e} | '
                  f'{mean(sums[term]) / rec:.3e} | ' +
                  (f'{mean(cosines[term]):.3f} |' if cosines[term] else '- |'))
    if head is None:
        return
    print(f'\nq fit on these batches (mean over {len(fits["mi_min_nll"])}): ' +
          ', '.join(f'{k} {mean(v):.4f}' for k, v in fits.items()))
    print(f"CLUB estimate (unweighted), negatives='masks': "
          f"{mean([c['masks'] for c in clubs]):.4f}, negatives='batch': "
          f"{mean([c['batch'] for c in clubs]):.4f} "
          f'(mean over {len(clubs)} batches, fresh masks)')
    var = torch.stack([z.flatten(0, 1).var(0, unbiased=False) for z in zs])
    var = var.mean(0)
    print(f'z per-dimension variance over a batch: min {var.min():.3e}, '
          f'median {var.median():.3e}, max {var.max():.3e}; '
          f'below exp(-1): {(var < math.exp(-1)).float().mean():.3f} of '
          f'{len(var)} dims')
    if len(xs) >= 2:
        fit = x_explains_z(head, xs, zs, args.refit_steps, args.seed,
                           args.refit_logvar_range)
        print('x -> z, fitted on the first half of the batches, held-out: ' +
              ', '.join(f'{k} {v:.4f}' if isinstance(v, float) else f'{k} {v}'
                        for k, v in fit.items()))


if __name__ == '__main__':
    main()
