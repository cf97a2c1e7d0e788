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


def standardised(z):
    """z per dimension in units of its mean and std over all samples."""
    flat = z.reshape(-1, z.shape[-1])
    return (z - flat.mean(0)) / flat.std(0, unbiased=False)


def brute_force_club(head, z, x, negatives):
    """Eq. 10 written out: log q(z_j|x_j) - 1/N sum_k log q(z_k|x_j)."""
    K, B, _ = z.shape
    if head.standardize:
        z = standardised(z)
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


@pytest.mark.parametrize('standardize', [True, False])
@pytest.mark.parametrize('negatives', ['masks', 'batch'])
def test_club_matches_the_written_out_bound(negatives, standardize):
    torch.manual_seed(0)
    head = build(negatives=negatives, standardize=standardize)
    z, x = torch.randn(4, 3, 5), torch.randn(4, 3, 6)
    out = head.loss(z, x)
    expected = brute_force_club(head, z, x, negatives)
    assert out['mi_min_club'].item() == pytest.approx(
        expected.item(), rel=1e-5, abs=1e-6)
    assert out['loss_mi_min'].item() == pytest.approx(
        0.25 * expected.item(), rel=1e-5, abs=1e-6)


@pytest.mark.parametrize('standardize', [True, False])
def test_loss_est_is_the_negative_log_likelihood(standardize):
    torch.manual_seed(0)
    head = build(standardize=standardize)
    z, x = torch.randn(2, 3, 5), torch.randn(2, 3, 6)
    mu, logvar = head.approximate(x)
    target = standardised(z) if standardize else z
    nll = 0.5 * ((target - mu)**2 / logvar.exp() + logvar).mean()
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


def test_standardised_bound_ignores_shift_and_scale_of_z():
    """Through the batch statistics the bound is invariant to a shift and a
    scale of each dimension of z, so its gradient has no part along them:
    the encoder cannot lower it by shrinking z."""
    torch.manual_seed(0)
    head = build()
    z, x = torch.randn(4, 3, 5, requires_grad=True), torch.randn(4, 3, 6)
    out = head.loss(z, x)
    moved = head.loss(3 * z.detach() + torch.randn(5), x)
    assert moved['mi_min_club'].item() == pytest.approx(
        out['mi_min_club'].item(), rel=1e-4, abs=1e-6)
    out['loss_mi_min'].backward()
    grad = z.grad.reshape(12, 5)
    centred = (z.detach() - z.detach().reshape(12, 5).mean(0)).reshape(12, 5)
    assert grad.abs().max() > 1e-3
    assert torch.allclose(grad.sum(0), torch.zeros(5), atol=1e-6)
    assert torch.allclose((grad * centred).sum(0), torch.zeros(5), atol=1e-6)


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


def test_a_logvar_range_that_is_not_increasing_is_refused():
    with pytest.raises(ValueError, match=r'low < high, got \(2.0, 2.0\)'):
        build(logvar_range=(2., 2.))


def test_logvar_is_tanh_mapped_onto_its_range():
    torch.manual_seed(0)
    head = build(logvar_range=(-10., 4.))
    x = torch.randn(2, 3, 6)
    _, logvar = head.approximate(x)
    assert torch.allclose(logvar, -3 + 7 * head.logvar(x))
    # The CLUB reference code's range is tanh itself.
    head.logvar_range = (-1., 1.)
    assert torch.allclose(head.approximate(x)[1], head.logvar(x))


def test_init_weights_starts_q_close_to_one_gaussian_for_every_x():
    """After the model's init_cfg, q(z|x) is close to N(0, 1), the
    standardised z's own Gaussian, whatever x: the bound and its push on the
    encoder start close to zero, while every parameter still gets a
    gradient."""
    torch.manual_seed(0)
    head = build(
        init_cfg=dict(type='Xavier', layer='Linear', distribution='uniform'))
    head.init_weights()
    mu, logvar = head.approximate(torch.randn(4, 3, 6))
    assert mu.abs().max() < 0.05
    assert logvar.abs().max() < 0.5
    z = torch.randn(4, 3, 5, requires_grad=True)
    out = head.loss(z, torch.randn(4, 3, 6))
    (out['loss_mi_min'] + out['loss_est']).backward()
    assert out['mi_min_club'].abs().item() < 0.01
    assert all(p.grad.abs().sum() > 0 for p in head.parameters())


def test_fit_diagnostics_against_direct_formulas():
    torch.manual_seed(0)
    head = build(logvar_range=(-1., 1.), standardize=False)
    z, x = torch.randn(4, 3, 5), torch.randn(4, 3, 6)
    mu, logvar = head.approximate(x)
    out = head.loss(z, x)
    flat = z.reshape(12, 5)
    var = flat.var(0, unbiased=False)
    gauss = 0.5 * (((flat - flat.mean(0))**2 / var + var.log())).mean()
    assert out['mi_min_nll'].item() == pytest.approx(
        out['loss_est'].item(), rel=1e-6)
    assert out['mi_min_nll_gauss'].item() == pytest.approx(
        gauss.item(), rel=1e-5)
    r2 = 1 - ((z - mu)**2).sum() / ((flat - flat.mean(0))**2).sum()
    assert out['mi_min_r2'].item() == pytest.approx(r2.item(), rel=1e-5)
    near = (logvar.abs() >= 0.98).float().mean()
    assert out['mi_min_logvar_at_bound'].item() == pytest.approx(near.item())
    assert all(not v.requires_grad for k, v in out.items()
               if k.startswith('mi_min_'))


def test_fit_diagnostics_are_in_the_units_of_z():
    """Standardised, q's NLL and R^2 are those of the Gaussian it implies
    for z itself; the baseline does not depend on the standardisation."""
    torch.manual_seed(0)
    head = build()
    z, x = 5 + 0.1 * torch.randn(4, 3, 5), torch.randn(4, 3, 6)
    out = head.loss(z, x)
    raw = build(standardize=False)
    raw.load_state_dict(head.state_dict())
    flat = z.reshape(12, 5)
    center, scale = flat.mean(0), flat.std(0, unbiased=False)
    mu, logvar = head.approximate(x)
    implied = head.fit_diagnostics(z, center + scale * mu,
                                   logvar + 2 * scale.log())
    for key in ('mi_min_nll', 'mi_min_nll_gauss', 'mi_min_r2'):
        assert out[key].item() == pytest.approx(
            implied[key].item(), rel=1e-5, abs=1e-6)
    assert out['mi_min_nll_gauss'].item() == pytest.approx(
        raw.loss(z, x)['mi_min_nll_gauss'].item(), rel=1e-6)
    # loss_est is in the standardised units: it differs by mean(log scale).
    assert out['mi_min_nll'].item() == pytest.approx(
        out['loss_est'].item() + scale.log().mean().item(), rel=1e-5)


def fit_a_sharp_target(steps=300, **kwargs):
    """Train q on z = f(x) + noise of variance 1e-3 (a few hundred Adam
    steps on loss_est, fresh samples each step); score fresh samples."""
    torch.manual_seed(0)
    head = build(
        hid_channels=32,
        init_cfg=dict(type='Xavier', layer='Linear', distribution='uniform'),
        **kwargs)
    head.init_weights()
    mixing = torch.randn(6, 5)

    def sample(batch):
        x = torch.randn(4, batch, 6)
        z = 0.3 * torch.tanh(x @ mixing)
        return x, z + 0.03 * torch.randn_like(z)

    optimizer = torch.optim.Adam(head.parameters(), lr=1e-2)
    for _ in range(steps):
        optimizer.zero_grad()
        x, z = sample(64)
        head.loss(z, x)['loss_est'].backward()
        optimizer.step()
    x, z = sample(256)
    with torch.no_grad():
        return head.loss(z, x)


def test_q_fits_a_latent_that_x_predicts_up_to_a_small_variance():
    out = fit_a_sharp_target()
    # Below the Gaussian that ignores x, by more than a nat per dimension:
    # the noise's 0.5 * (log(1e-3) + 1) = -2.95 against about -0.9.
    assert out['mi_min_nll'] < out['mi_min_nll_gauss'] - 1.0
    assert out['mi_min_r2'] > 0.8
    assert out['mi_min_logvar_at_bound'] < 0.01


def test_the_reference_range_cannot_fit_that_variance():
    """The CLUB reference head (tanh's own range, no standardisation)
    floors the variance at exp(-1) = 0.37: q then stays above the baseline
    however well mu fits (the failure seen in training)."""
    out = fit_a_sharp_target(logvar_range=(-1., 1.), standardize=False)
    assert out['mi_min_r2'] > 0.8
    assert out['mi_min_nll'] > out['mi_min_nll_gauss']
    assert out['mi_min_logvar_at_bound'] > 0.99
