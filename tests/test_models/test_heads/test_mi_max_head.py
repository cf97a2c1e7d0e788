import math
import os
import subprocess
import sys

import pytest
import torch
from mmpretrain.registry import MODELS


def build(weight=1.0, **kwargs):
    cfg = dict(
        type='MaxMIHead',
        in_channels=8,
        hid_channels=16,
        out_channels=4,
        temperature=0.07,
        loss=dict(type='CrossEntropyLoss', loss_weight=weight))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_info_nce_hand_built_positives():
    """Masks of image b all embed to e_b: every query finds its own image."""
    B, tau = 3, 0.5
    head = build(temperature=tau)
    z = torch.eye(B).unsqueeze(0).repeat(2, 1, 1)  # K=2 x B x D
    loss, acc = head.info_nce(z)
    expected = -math.log(math.exp(1 / tau) / (math.exp(1 / tau) + B - 1))
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    assert acc.item() == 1.0


def test_info_nce_wrong_positives_are_penalised():
    """If mask 1 of image b looks like image b+1, no query is right."""
    B, tau = 3, 0.5
    head = build(temperature=tau)
    z = torch.stack([torch.eye(B), torch.eye(B).roll(1, dims=0)])
    loss, acc = head.info_nce(z)
    # Each query's positive logit is 0; one other key scores 1/tau.
    expected = math.log(math.exp(1 / tau) + B - 1)
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    assert acc.item() == 0.0


def test_info_nce_averages_all_ordered_pairs():
    head = build()
    torch.manual_seed(0)
    z = torch.nn.functional.normalize(torch.randn(3, 5, 4), dim=-1)
    loss, _ = head.info_nce(z)
    pairs = []
    for i in range(3):
        for k in range(3):
            if i != k:
                logits = z[i] @ z[k].T / 0.07
                pairs.append(
                    torch.nn.functional.cross_entropy(logits, torch.arange(5)))
    assert loss.item() == pytest.approx(
        torch.stack(pairs).mean().item(), rel=1e-5)


def test_loss_keys_weight_and_bound():
    head = build(weight=0.5)
    feats = torch.randn(4, 6, 8, requires_grad=True)
    out = head.loss(feats)
    assert set(out) == {'loss_mi_max', 'mi_max_acc', 'mi_max_bound'}
    z = torch.nn.functional.normalize(
        head.projector((feats.reshape(24, 8), ))[0], dim=-1).view(4, 6, -1)
    # The configured loss carries lambda_max: half the unweighted InfoNCE.
    unweighted = build(weight=1.0)
    raw, _ = unweighted.info_nce(z)
    assert out['loss_mi_max'].item() == pytest.approx(
        0.5 * raw.item(), rel=1e-5)
    assert out['mi_max_bound'].item() == pytest.approx(
        math.log(6) - raw.item(), rel=1e-5)
    out['loss_mi_max'].backward()
    assert feats.grad.abs().sum() > 0
    assert all(p.grad is not None for p in head.parameters())


def test_zero_weight_is_refused_at_build():
    with pytest.raises(ValueError, match='mi_max_head=None'):
        build(weight=0.0)


def test_single_mask_is_refused():
    with pytest.raises(ValueError, match='num_masks >= 2'):
        build().loss(torch.randn(1, 4, 8))


DIST_WORKER = '''
import os, sys, torch
import mimae
import torch.distributed as dist
from mmpretrain.registry import MODELS
dist.init_process_group('gloo')
rank, world = dist.get_rank(), dist.get_world_size()
z_full = torch.load(sys.argv[1])
B = z_full.shape[1] // world
z = z_full[:, rank * B:(rank + 1) * B].clone().requires_grad_()
head = MODELS.build(dict(type='MaxMIHead', in_channels=4, temperature=0.5))
loss, _ = head.info_nce(z)
loss.backward()
torch.save(dict(loss=loss.detach(), grad=z.grad), sys.argv[2] % rank)
dist.barrier()
dist.destroy_process_group()
'''


def test_gathered_keys_carry_gradient_across_processes(tmp_path, free_port):
    """Two processes with half the batch each reproduce the full gradient.

    The global loss is the mean of the ranks' losses, so rank r's gradient,
    summed over every rank's loss through the all-gather, must be twice the
    single-process gradient of the full-batch loss on its rows. A gather
    that drops the other ranks' gradient fails this.
    """
    torch.manual_seed(0)
    z_full = torch.nn.functional.normalize(torch.randn(3, 8, 4), dim=-1)
    torch.save(z_full, tmp_path / 'z.pt')
    env = dict(
        os.environ,
        WORLD_SIZE='2',
        MASTER_ADDR='127.0.0.1',
        MASTER_PORT=free_port)
    procs = [
        subprocess.Popen([
            sys.executable, '-c', DIST_WORKER,
            str(tmp_path / 'z.pt'),
            str(tmp_path / 'out%d.pt')
        ],
                         env=dict(env, RANK=str(r)),
                         stderr=subprocess.PIPE,
                         text=True) for r in range(2)
    ]
    for p in procs:
        assert p.wait(timeout=300) == 0, p.stderr.read()[-6000:]
    outs = [torch.load(tmp_path / f'out{r}.pt') for r in range(2)]

    z = z_full.clone().requires_grad_()
    full_loss, _ = build(temperature=0.5).info_nce(z)
    full_loss.backward()
    assert ((outs[0]['loss'] + outs[1]['loss']) / 2).item() == pytest.approx(
        full_loss.item(), rel=1e-5)
    grad = torch.cat([outs[0]['grad'], outs[1]['grad']], dim=1)
    torch.testing.assert_close(grad, 2 * z.grad, rtol=1e-4, atol=1e-6)


SYNC_BN_WORKER = '''
import sys, torch
import mimae
import torch.distributed as dist
from mmpretrain.registry import MODELS
dist.init_process_group('gloo')
rank, world = dist.get_rank(), dist.get_world_size()
feats_full = torch.load(sys.argv[1])
B = feats_full.shape[1] // world
feats = feats_full[:, rank * B:(rank + 1) * B].clone().requires_grad_()
head = MODELS.build(dict(type='MaxMIHead', in_channels=8, hid_channels=16,
                         out_channels=4, norm_cfg=dict(type='SyncBN')))
head.load_state_dict(torch.load(sys.argv[2]))
head.train()
out = head.loss(feats)
out['loss_mi_max'].backward()
bn = head.projector.bn0
torch.save(dict(loss=out['loss_mi_max'].detach(), grad=feats.grad,
                running_mean=bn.running_mean, running_var=bn.running_var,
                kind=type(bn).__name__), sys.argv[3] % rank)
dist.destroy_process_group()
'''


@pytest.mark.skipif(
    torch.cuda.is_available(),
    reason='CPU processes over gloo (mimae.compat sync_bn_cpu)')
def test_sync_bn_projector_uses_both_processes_batch(tmp_path, free_port):
    """The configs' projector (SyncBN) in two gloo processes with half the
    images each is the single-process head with BN1d on all of them: the
    same BN statistics, loss and (doubled, as above) gradient. Per-process
    BN, the old default, fails this."""
    torch.manual_seed(0)
    feats_full = torch.randn(3, 8, 8) * 2 + 1  # K=3 x 8 images x C
    torch.save(feats_full, tmp_path / 'feats.pt')
    single = build(hid_channels=16, out_channels=4)  # BN1d
    torch.save(single.state_dict(), tmp_path / 'head.pt')
    env = dict(
        os.environ,
        WORLD_SIZE='2',
        MASTER_ADDR='127.0.0.1',
        MASTER_PORT=free_port)
    procs = [
        subprocess.Popen([
            sys.executable, '-c', SYNC_BN_WORKER,
            str(tmp_path / 'feats.pt'),
            str(tmp_path / 'head.pt'),
            str(tmp_path / 'out%d.pt')
        ],
                         env=dict(env, RANK=str(r)),
                         stderr=subprocess.PIPE,
                         text=True) for r in range(2)
    ]
    for p in procs:
        assert p.wait(timeout=300) == 0, p.stderr.read()[-6000:]
    outs = [torch.load(tmp_path / f'out{r}.pt') for r in range(2)]
    assert {o['kind'] for o in outs} == {'CPUSyncBatchNorm'}

    feats = feats_full.clone().requires_grad_()
    single.train()
    full = single.loss(feats)
    full['loss_mi_max'].backward()
    bn = single.projector.bn0
    for out in outs:
        torch.testing.assert_close(out['running_mean'], bn.running_mean)
        torch.testing.assert_close(out['running_var'], bn.running_var)
    assert ((outs[0]['loss'] + outs[1]['loss']) / 2).item() == pytest.approx(
        full['loss_mi_max'].item(), rel=1e-5)
    grad = torch.cat([outs[0]['grad'], outs[1]['grad']], dim=1)
    torch.testing.assert_close(grad, 2 * feats.grad, rtol=1e-4, atol=1e-6)
    # Each process's own BN statistics differ from the global ones.
    half = feats_full[:, :4].reshape(12, 8)
    local = torch.nn.functional.linear(half, single.projector.fc0.weight)
    assert not torch.allclose(0.1 * local.mean(0), bn.running_mean)
