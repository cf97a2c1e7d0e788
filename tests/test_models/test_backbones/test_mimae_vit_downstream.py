"""MIMAEViT as the backbone of fine-tuning, detection and segmentation."""
import pytest
import torch
from mmpretrain.registry import MODELS

ARCH = dict(embed_dims=32, num_layers=4, num_heads=2, feedforward_channels=64)


@pytest.fixture(scope='module')
def pretrain_ckpt(tmp_path_factory):
    """A pre-training checkpoint as the runner writes it (with MI heads)."""
    from tests_support import tiny_pretrain_checkpoint
    return tiny_pretrain_checkpoint(tmp_path_factory.mktemp('ckpt'), ARCH)


def build(checkpoint=None, prefix='backbone.', **kwargs):
    cfg = dict(type='MIMAEViT', arch=ARCH, img_size=64, patch_size=8,
               masking=False)
    if checkpoint:
        cfg['init_cfg'] = dict(type='Pretrained', checkpoint=checkpoint,
                               prefix=prefix)
    cfg.update(kwargs)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def test_featmaps_from_the_chosen_layers_whatever_mask_says():
    model = build(out_type='featmap', out_indices=[1, 3])
    x = torch.randn(2, 3, 64, 96)  # non-square: the pos-embed is resized
    outs = model(x)
    assert [o.shape for o in outs] == [(2, 32, 8, 12)] * 2
    assert torch.equal(model(x, mask=True)[0], outs[0])
    assert model.pos_embed.requires_grad


def test_windows_that_do_not_divide_the_grid_are_padded():
    # ViTDet: 64 tokens, window 14; here 8 tokens, window 3.
    model = build(out_type='featmap', window_size=3, use_rel_pos=True)
    out, = model(torch.randn(1, 3, 64, 64))
    assert out.shape == (1, 32, 8, 8)


def test_window_attention_with_relative_position():
    model = build(out_type='featmap', window_size=4, global_attn_indexes=[1],
                  use_rel_pos=True, drop_path_rate=0.1, out_indices=[3])
    assert model.layers[0].attn.rel_pos_h.shape == (2 * 4 - 1, 16)
    assert model.layers[1].attn.rel_pos_h.shape == (2 * 8 - 1, 16)
    assert (model.layers[0].attn.rel_pos_w == 0).all()
    assert model.layers[0].attn.window_size == 4
    assert model.layers[1].attn.window_size == 0
    assert not model.cls_token.requires_grad
    out, = model(torch.randn(1, 3, 64, 64))
    assert out.shape == (1, 32, 8, 8)
    # Only the relative position tables are new to the pre-trained names.
    assert sorted(model.downstream_keys()) == sorted(
        f'layers.{i}.attn.rel_pos_{a}' for i in range(4) for a in 'hw')


def test_pretraining_checkpoint_loads_every_backbone_key(pretrain_ckpt):
    path, backbone_state = pretrain_ckpt
    model = build(path, out_type='featmap', window_size=4,
                  global_attn_indexes=[1, 3], use_rel_pos=True,
                  final_norm=False, img_size=128)
    state = model.state_dict()
    for key, value in backbone_state.items():
        if key in ('ln1.weight', 'ln1.bias'):
            assert key not in state  # final_norm=False drops it
        elif key == 'pos_embed':  # resized 8x8 -> 16x16 grid at load
            assert state[key].shape == (1, 1 + 16 * 16, 32)
            assert torch.equal(state[key][:, 0], value[:, 0])
        else:
            assert torch.equal(state[key], value), key
    assert set(state) - set(backbone_state) == set(model.downstream_keys())


def test_fine_tune_variant_adds_only_fc_norm(pretrain_ckpt):
    path, backbone_state = pretrain_ckpt
    model = build(path, out_type='avg_featmap', final_norm=False)
    assert model.downstream_keys() == ['ln2.weight', 'ln2.bias']
    assert torch.equal(model.layers[3].attn.qkv.weight,
                       backbone_state['layers.3.attn.qkv.weight'])
    assert model(torch.randn(2, 3, 64, 64))[0].shape == (2, 32)


def test_checkpoint_without_backbone_is_refused(pretrain_ckpt, tmp_path):
    path, _ = pretrain_ckpt
    with pytest.raises(KeyError) as err:
        build(path, prefix='encoder.')
    msg = str(err.value)
    assert "no backbone weights under prefix 'encoder.'" in msg
    assert 'backbone.cls_token' in msg  # what was found
    assert 'encoder.cls_token' in msg  # what was expected


def test_mismatched_checkpoint_lists_the_keys(pretrain_ckpt):
    path, _ = pretrain_ckpt
    deeper = dict(ARCH, num_layers=5)
    with pytest.raises(KeyError) as err:
        build(path, arch=deeper)
    assert "missing ['layers.4." in str(err.value)


def test_bad_downstream_settings_are_refused():
    with pytest.raises(ValueError, match='window_size=9 is larger than the '
                       '8x8 token grid of img_size=64'):
        build(out_type='featmap', window_size=9)
    with pytest.raises(ValueError, match="out_type='featmap'"):
        build(window_size=4)
    with pytest.raises(ValueError, match='masking=False'):
        build(masking=True, window_size=4)


def test_linear_probe_backbone_is_frozen(pretrain_ckpt):
    path, _ = pretrain_ckpt
    model = build(path, frozen_stages=4, out_type='cls_token',
                  final_norm=True)
    assert not [n for n, p in model.named_parameters() if p.requires_grad]
    spatial = build(frozen_stages=4, out_type='featmap', window_size=4,
                    use_rel_pos=True)
    assert not [n for n, p in spatial.named_parameters() if p.requires_grad]


def test_layer_scale_is_new_and_starts_at_its_value(pretrain_ckpt):
    path, _ = pretrain_ckpt
    model = build(path, out_type='featmap', layer_scale_init_value=1.0,
                  final_norm=False)
    assert sorted(model.downstream_keys()) == sorted(
        f'layers.{i}.{m}.gamma{j}.weight' for i in range(4)
        for m, j in (('attn', 1), ('ffn', 2)))
    assert (model.layers[2].ffn.gamma2.weight == 1.0).all()
