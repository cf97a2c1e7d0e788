"""How hard does each MI-MAE loss term pull on the encoder?

    tools/analysis_tools/mi_gradients.py CONFIG [CHECKPOINT] [--batches 8]

For a few training batches, one forward each, the gradient of every loss
term (as weighted in the config) with respect to the encoder's parameters:
its norm, its ratio to ``loss_rec``'s and its cosine with it. Also the CLUB
estimate with the config's negatives and with the other choice ('masks'
= the K masks of the same image, 'batch' = every view of the batch), to
show what the min-MI bound measures. Without a checkpoint the model is
evaluated at initialisation.
"""
import argparse
import math

import torch
import torch.nn.functional as F
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, load_checkpoint
from mmpretrain.registry import MODELS

import mimae  # noqa: F401  (first: patches the stack, registers modules)

TERMS = ('loss_rec', 'loss_mi_max', 'loss_mi_min', 'loss_est')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?')
    parser.add_argument('--batches', type=int, default=8)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def club_both_ways(model, inputs: torch.Tensor) -> dict:
    """The CLUB estimate with 'masks' and with 'batch' negatives."""
    head = model.mi_min_head
    latent, _, _, visible = model.backbone(inputs)
    k = model.backbone.num_masks
    z = model.pool(latent).view(k, inputs.shape[0], -1).float()
    mu, logvar = head.approximate(visible.view(k, inputs.shape[0], -1).float())
    out = {}
    saved = head.negatives
    for negatives in ('masks', 'batch'):
        head.negatives = negatives
        out[negatives] = float(head.club(z, mu, logvar))
    head.negatives = saved
    return out


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    torch.manual_seed(args.seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    if args.checkpoint:
        load_checkpoint(
            model, args.checkpoint, map_location='cpu', strict=True)
    model.train()
    encoder = [p for p in model.backbone.parameters() if p.requires_grad]
    loader = Runner.build_dataloader(
        dict(cfg.train_dataloader, num_workers=0, persistent_workers=False))
    sums = {t: [] for t in TERMS}
    cosines = {t: [] for t in TERMS}
    clubs = []
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
        if model.mi_min_head is not None:
            with torch.no_grad():
                clubs.append(club_both_ways(model, data['inputs']))

    def mean(xs):
        return sum(xs) / len(xs) if xs else math.nan

    rec = mean(sums['loss_rec'])
    print('| term (weighted as in the config) | encoder grad norm | '
          '/ loss_rec | cosine with loss_rec |')
    print('| --- | --- | --- | --- |')
    for term in TERMS:
        if sums[term]:
            print(f'| {term} | {mean(sums[term]):.3e} | '
                  f'{mean(sums[term]) / rec:.3e} | ' +
                  (f'{mean(cosines[term]):.3f} |' if cosines[term] else '- |'))
    if clubs:
        print(f"\nCLUB estimate (unweighted), negatives='masks': "
              f"{mean([c['masks'] for c in clubs]):.4f}, negatives='batch': "
              f"{mean([c['batch'] for c in clubs]):.4f} "
              f'(mean over {len(clubs)} batches)')


if __name__ == '__main__':
    main()
