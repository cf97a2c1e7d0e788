import pytest
import torch
from mmpretrain.registry import MODELS


def build(**kwargs):
    cfg = dict(
        type='MinMIHead',
        in_channels=6,
        latent_channels=5,
        hid_channels=8,
        loss_weight=0.25)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def brute_force_club(head, z, x, negatives):
    """Eq. 10 written out: log q(z_j|x_j) - 1/N sum_k log q(z_k|x_j)."""
    K, B, _ = z.shape
    mu, logvar = head.approximate(x)
    values = []
    for k in range(K):
        for b in range(B):
            pos = head.log_likelihood(z[k, b], mu[k, b], logvar[k, b])
            if negatives == 'masks':
                others = z[:, b]
            else:
                others = z.reshape(K * B, -1)
            neg = torch.stack([
                head.log_likelihood(o, mu[k, b], logvar[k, b]) for o in others
            ]).mean()
            values.append(pos - neg)
    return torch.stack(values).mean()


@pytest.mark.parametrize('negatives', ['masks', 'batch'])
def test_club_matches_the_written_out_bound(negatives):
    torch.manual_seed(0)
    head = build(negatives=negatives)
    z, x = torch.randn(4, 3, 5), torch.randn(4, 3, 6)
    out = head.loss(z, x)
    expected = brute_force_club(head, z, x, negatives)
    assert out['mi_min_club'].item() == pytest.approx(
        expected.item(), rel=1e-5, abs=1e-6)
    assert out['loss_mi_min'].item() == pytest.approx(
        0.25 * expected.item(), rel=1e-5, abs=1e-6)


def test_loss_est_is_the_negative_log_likelihood():
    torch.manual_seed(0)
    head = build()
    z, x = torch.randn(2, 3, 5), torch.randn(2, 3, 6)
    mu, logvar = head.approximate(x)
    nll = 0.5 * ((z - mu)**2 / logvar.exp() + logvar).mean()
    assert head.loss(z, x)['loss_est'].item() == pytest.approx(
        nll.item(), rel=1e-5)


def test_estimator_and_bound_move_disjoint_parameters():
    torch.manual_seed(0)
    head = build()
    z = torch.randn(4, 3, 5, requires_grad=True)
    x = torch.randn(4, 3, 6, requires_grad=True)

    out = head.loss(z, x)
    out['loss_est'].backward()
    assert z.grad is None and x.grad is None
    assert all(p.grad is not None and p.grad.abs().sum() > 0
               for p in head.parameters())

    head.zero_grad(set_to_none=True)
    out = head.loss(z, x)
    out['loss_mi_min'].backward()
    assert z.grad is not None and z.grad.abs().sum() > 0
    assert x.grad is None
    assert all(p.grad is None for p in head.parameters())


def test_learning_raises_the_likelihood_of_a_predictable_latent():
    """A few steps on loss_est fit q to z = 2 x[:5]: the bound then sees MI."""
    torch.manual_seed(0)
    head = build(negatives='batch')
    opt = torch.optim.Adam(head.parameters(), lr=1e-2)
    x = torch.randn(4, 32, 6)
    z = 2 * x[..., :5]
    first = head.loss(z, x)
    for _ in range(200):
        opt.zero_grad()
        head.loss(z, x)['loss_est'].backward()
        opt.step()
    last = head.loss(z, x)
    assert last['loss_est'] < first['loss_est'] - 1.0
    assert last['mi_min_club'] > first['mi_min_club'] + 0.5


def test_unknown_negatives_are_refused():
    with pytest.raises(ValueError, match="'masks' or 'batch'"):
        build(negatives='images')
