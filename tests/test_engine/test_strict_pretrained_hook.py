"""StrictPretrainedHook: a pre-trained backbone loads all of its keys."""
from types import SimpleNamespace

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


def vit(checkpoint, prefix='backbone.', **kwargs):
    """MMPretrain's ViT, as the classification and segmentation configs
    build it, initialised from ``checkpoint``."""
    cfg = dict(
        type='VisionTransformer',
        arch=ARCH,
        img_size=64,
        patch_size=8,
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint, prefix=prefix))
    cfg.update(kwargs)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def test_fine_tune_variant_loads_everything_but_fc_norm(pretrain_ckpt):
    path, backbone_state = pretrain_ckpt
    model = vit(path, out_type='avg_featmap', final_norm=False)
    line, = StrictPretrainedHook().check(model)
    assert "initialised explicitly: ['ln2.bias', 'ln2.weight']" in line
    # pos_embed survives VisionTransformer.init_weights (type Pretrained).
    for key in ('pos_embed', 'layers.3.ffn.layers.0.0.weight'):
        assert torch.equal(model.state_dict()[key], backbone_state[key])
    assert model(torch.randn(2, 3, 64, 64))[0].shape == (2, 32)


def test_layer_scale_is_new_and_starts_at_its_value(pretrain_ckpt):
    path, _ = pretrain_ckpt
    model = vit(
        path,
        out_type='featmap',
        layer_scale_init_value=1.0,
        final_norm=False,
        out_indices=[1, 3])
    line, = StrictPretrainedHook().check(model)
    assert all(f'layers.{i}.ffn.gamma2.weight' in line for i in range(4))
    assert (model.layers[2].ffn.gamma2.weight == 1.0).all()


def test_wrong_prefix_names_what_the_checkpoint_holds(pretrain_ckpt):
    path, _ = pretrain_ckpt
    # mmengine's own loader refuses an absent prefix; a prefix that matches
    # other weights (here the decoder's) loads nothing of the backbone.
    model = vit(path, prefix='neck.')
    with pytest.raises(KeyError) as err:
        StrictPretrainedHook().check(model)
    msg = str(err.value)
    assert "does not match VisionTransformer" in msg
    # Missing from the module, folded over the 4 layers.
    assert "'layers.[0-3].attn.qkv.weight' (x4)" in msg


def test_mismatched_architecture_lists_the_keys(pretrain_ckpt):
    path, _ = pretrain_ckpt
    model = vit(path, arch=dict(ARCH, num_layers=5))
    with pytest.raises(KeyError, match=r"missing \d+ keys: 'layers\.4\."):
        StrictPretrainedHook().check(model)


def test_hook_checks_training_and_init_only_evaluation(pretrain_ckpt):
    path, _ = pretrain_ckpt
    bad = vit(path, arch=dict(ARCH, num_layers=5))
    hook = StrictPretrainedHook()
    with pytest.raises(KeyError):
        hook.before_train(SimpleNamespace(model=bad))
    with pytest.raises(KeyError):
        hook.before_test(SimpleNamespace(model=bad, _load_from=None))
    # Testing a trained checkpoint: its weights replace the init's.
    hook.before_test(SimpleNamespace(model=bad, _load_from='trained.pth'))


def test_a_pretrained_module_never_initialised_is_refused(pretrain_ckpt):
    """mmengine's Runner.test() never runs init_weights: a k-NN evaluation
    of the init_cfg checkpoint would score random features."""
    path, _ = pretrain_ckpt
    model = MODELS.build(
        dict(
            type='VisionTransformer',
            arch=ARCH,
            img_size=64,
            patch_size=8,
            init_cfg=dict(
                type='Pretrained', checkpoint=path, prefix='backbone.')))
    with pytest.raises(RuntimeError, match='never initialised from it'):
        StrictPretrainedHook().before_test(
            SimpleNamespace(model=model, _load_from=None))
