import copy

import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample


def batch(n=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    imgs = torch.randint(0, 256, (n, 3, 32, 32), generator=g).float()
    return {'inputs': imgs, 'data_samples': [DataSample() for _ in range(n)]}


def loss_of(model, data, seed=1):
    data = model.data_preprocessor(copy.deepcopy(data), True)
    torch.manual_seed(seed)
    return model(**data, mode='loss')


def test_one_mask_without_mi_equals_mmpretrain_mae(tiny_model_cfg):
    cfg = tiny_model_cfg
    cfg['backbone']['num_masks'] = 1
    cfg.pop('mi_max_head')
    cfg.pop('mi_min_head')
    mae_cfg = copy.deepcopy(cfg)
    mae_cfg['type'] = 'MAE'
    mae_cfg['backbone']['type'] = 'MAEViT'
    mae_cfg['backbone'].pop('num_masks')

    torch.manual_seed(0)
    mae = MODELS.build(mae_cfg)
    mae.init_weights()
    mimae = MODELS.build(cfg)
    mimae.load_state_dict(mae.state_dict(), strict=True)

    data = batch()
    expected = loss_of(mae, data)['loss']
    losses = loss_of(mimae, data)
    assert set(losses) == {'loss_rec'}
    assert losses['loss_rec'].item() == pytest.approx(
        expected.item(), abs=1e-6)


def test_loss_keys_and_reconstruction_over_all_views(tiny_model_cfg):
    torch.manual_seed(0)
    model = MODELS.build(tiny_model_cfg)
    model.init_weights()
    data = model.data_preprocessor(batch(), True)
    torch.manual_seed(3)
    losses = model(**data, mode='loss')
    assert set(losses) == {
        'loss_rec', 'loss_mi_max', 'loss_mi_min', 'loss_est', 'mi_max_acc',
        'mi_max_bound', 'mi_min_club', 'mi_min_nll', 'mi_min_nll_gauss',
        'mi_min_r2', 'mi_min_logvar_at_bound'
    }
    assert all(torch.isfinite(v) for v in losses.values())

    # loss_rec = mean over the removed patches of all K views, each view
    # reconstructing its own image.
    torch.manual_seed(3)
    latent, mask, ids_restore, _ = model.backbone(data['inputs'])
    pred = model.neck(latent, ids_restore)
    K, B = 4, data['inputs'].shape[0]
    total, count = 0., 0.
    for k in range(K):
        for b in range(B):
            row = k * B + b
            target = model.head.construct_target(data['inputs'][b:b + 1])[0]
            err = ((pred[row] - target)**2).mean(-1)
            total += (err * mask[row]).sum()
            count += mask[row].sum()
    assert losses['loss_rec'].item() == pytest.approx(
        (total / count).item(), rel=1e-5)


def grads(model, loss):
    model.zero_grad(set_to_none=True)
    loss.backward(retain_graph=True)
    return {
        name: p.grad is not None and bool(p.grad.abs().sum() > 0)
        for name, p in model.named_parameters()
    }


def test_each_loss_moves_only_its_parameters(tiny_model_cfg):
    torch.manual_seed(0)
    model = MODELS.build(tiny_model_cfg)
    model.init_weights()
    losses = loss_of(model, batch(8))

    def part(name):
        return name.split('.')[0]

    moved = grads(model, losses['loss_est'])
    assert {part(n) for n, m in moved.items() if m} == {'mi_min_head'}
    assert all(moved[n] for n in moved if part(n) == 'mi_min_head')

    moved = grads(model, losses['loss_mi_min'])
    assert {part(n) for n, m in moved.items() if m} == {'backbone'}
    assert moved['backbone.layers.0.attn.qkv.weight']
    assert moved['backbone.patch_embed.projection.weight']

    moved = grads(model, losses['loss_mi_max'])
    assert {part(n)
            for n, m in moved.items() if m} == {'backbone', 'mi_max_head'}

    moved = grads(model, losses['loss_rec'])
    assert {part(n) for n, m in moved.items() if m} == {'backbone', 'neck'}


def test_cls_feature(tiny_model_cfg):
    tiny_model_cfg['feature'] = 'cls'
    model = MODELS.build(tiny_model_cfg)
    model.init_weights()
    latent = torch.randn(8, 5, 32)
    assert torch.equal(model.pool(latent), latent[:, 0])
    assert torch.isfinite(loss_of(model, batch())['loss_mi_max'])


def test_bad_settings_are_refused(tiny_model_cfg):
    cfg = copy.deepcopy(tiny_model_cfg)
    cfg['feature'] = 'max'
    with pytest.raises(ValueError, match="'mean' or 'cls'"):
        MODELS.build(cfg)
    cfg = copy.deepcopy(tiny_model_cfg)
    cfg['backbone']['num_masks'] = 1
    with pytest.raises(ValueError, match='num_masks >= 2'):
        MODELS.build(cfg)
