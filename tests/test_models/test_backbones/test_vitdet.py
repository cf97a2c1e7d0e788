"""ViTDet: the detection backbone, loaded from a pre-training checkpoint."""
import pytest
import torch
from mmpretrain.registry import MODELS

from mimae.engine import StrictPretrainedHook

ARCH = dict(embed_dims=32, num_layers=4, num_heads=2, feedforward_channels=64)


@pytest.fixture(scope='module')
def pretrain_ckpt(tmp_path_factory):
    """A pre-training checkpoint as the runner writes it (with MI heads)."""
    from tests_support import tiny_pretrain_checkpoint
    return tiny_pretrain_checkpoint(tmp_path_factory.mktemp('ckpt'), ARCH)


def build(checkpoint=None, **kwargs):
    cfg = dict(
        type='ViTDet',
        arch=ARCH,
        img_size=64,
        patch_size=8,
        window_size=4,
        global_attn_indexes=[1, 3])
    if checkpoint:
        cfg['init_cfg'] = dict(
            type='Pretrained', checkpoint=checkpoint, prefix='backbone.')
    cfg.update(kwargs)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def test_featmaps_from_the_chosen_layers():
    model = build(out_indices=[1, 3])
    outs = model(torch.randn(2, 3, 64, 96))  # non-square: pos-embed resized
    assert [o.shape for o in outs] == [(2, 32, 8, 12)] * 2
    assert model.pos_embed.requires_grad


def test_windows_that_do_not_divide_the_grid_are_padded():
    # ViTDet: 64 tokens, window 14; here 8 tokens, window 3.
    out, = build(window_size=3)(torch.randn(1, 3, 64, 64))
    assert out.shape == (1, 32, 8, 8)


def test_window_attention_with_relative_position():
    model = build(global_attn_indexes=[1], drop_path_rate=0.1, out_indices=[3])
    assert model.layers[0].attn.rel_pos_h.shape == (2 * 4 - 1, 16)
    assert model.layers[1].attn.rel_pos_h.shape == (2 * 8 - 1, 16)
    assert (model.layers[0].attn.rel_pos_w == 0).all()
    assert model.layers[0].attn.window_size == 4
    assert model.layers[1].attn.window_size == 0
    assert not model.cls_token.requires_grad
    out, = model(torch.randn(1, 3, 64, 64))
    assert out.shape == (1, 32, 8, 8)


def test_pretraining_checkpoint_loads_every_backbone_key(pretrain_ckpt):
    path, backbone_state = pretrain_ckpt
    model = build(path, final_norm=False, img_size=128)
    state = model.state_dict()
    for key, value in backbone_state.items():
        if key in ('ln1.weight', 'ln1.bias'):
            assert key not in state  # final_norm=False drops it
        elif key == 'pos_embed':  # resized 8x8 -> 16x16 grid at load
            assert state[key].shape == (1, 1 + 16 * 16, 32)
            assert torch.equal(state[key][:, 0], value[:, 0])
        else:
            assert torch.equal(state[key], value), key
    # Only the relative position tables are new, and the hook says so.
    new = sorted(f'layers.{i}.attn.rel_pos_{a}' for i in range(4)
                 for a in 'hw')
    assert sorted(set(state) - set(backbone_state)) == new
    line, = StrictPretrainedHook().check(model)
    assert f'initialised explicitly: {new}' in line
    assert "unused: ['ln1.bias', 'ln1.weight']" in line


def test_bad_settings_are_refused():
    with pytest.raises(
            ValueError,
            match='window_size=9 is larger than the '
            '8x8 token grid of img_size=64'):
        build(window_size=9)
    with pytest.raises(ValueError, match="out_type must be 'featmap'"):
        build(out_type='cls_token')
    with pytest.raises(ValueError, match='not a multiple of patch_size=8'):
        build(img_size=60)


def test_frozen_backbone_has_no_trainable_parameter():
    model = build(frozen_stages=4, use_rel_pos=True)
    assert not [n for n, p in model.named_parameters() if p.requires_grad]
