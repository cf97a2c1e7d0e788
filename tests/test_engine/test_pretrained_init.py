"""mmengine's Pretrained init as mimae.compat changes it: one read of the
file, a named error for an absent prefix, warnings only for what no
downstream ViT variant explains."""
import logging

import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.model.weight_init import PretrainedInit
from mmpretrain.registry import MODELS

from mimae.engine import StrictPretrainedHook
from mimae.engine.pretrained_init import PretrainedLoad

ARCH = dict(embed_dims=32, num_layers=4, num_heads=2, feedforward_channels=64)


@pytest.fixture(scope='module')
def pretrain_ckpt(tmp_path_factory):
    from tests_support import tiny_pretrain_checkpoint
    return tiny_pretrain_checkpoint(tmp_path_factory.mktemp('ckpt'), ARCH)


def knn_encoder(checkpoint, **arch):
    """The k-NN configs' image encoder (``avg_featmap`` adds ``ln2``)."""
    return MODELS.build(
        dict(
            type='VisionTransformer',
            arch=dict(ARCH, **arch),
            img_size=64,
            patch_size=8,
            out_type='avg_featmap',
            final_norm=True,
            init_cfg=dict(
                type='Pretrained', checkpoint=checkpoint, prefix='backbone.')))


@pytest.fixture
def logged():
    """The records the current MMLogger emits while the test runs."""
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


@pytest.fixture
def torch_loads(monkeypatch):
    """Files ``torch.load`` opens (every checkpoint read goes through it)."""
    opened = []
    original = torch.load

    def counting(f, *args, **kwargs):
        opened.append(str(f))
        return original(f, *args, **kwargs)

    monkeypatch.setattr(torch, 'load', counting)
    return opened


def test_knn_encoder_reads_the_file_once_and_warns_about_nothing(
        pretrain_ckpt, logged, torch_loads):
    path, backbone_state = pretrain_ckpt
    model = knn_encoder(path)
    model.init_weights()
    line, = StrictPretrainedHook().check(model)
    assert torch_loads == [path]
    assert not [r for r in logged if r.levelno >= logging.WARNING], [
        r.getMessage() for r in logged if r.levelno >= logging.WARNING
    ]
    info = '\n'.join(r.getMessage() for r in logged)
    assert ("kept their initialisation (new in downstream ViT variants): "
            "['ln2.bias', 'ln2.weight']") in info
    assert "initialised explicitly: ['ln2.bias', 'ln2.weight']" in line
    # ln2 keeps LayerNorm's init; everything else is the checkpoint's.
    state = model.state_dict()
    assert torch.equal(state['ln2.weight'], torch.ones(32))
    for key in ('pos_embed', 'ln1.weight', 'layers.2.attn.qkv.weight'):
        assert torch.equal(state[key], backbone_state[key])
    record = PretrainedLoad.of(model)
    assert record.prefix == 'backbone.' and record.checkpoint == path
    assert record.keys == set(backbone_state)


def test_a_wrong_architecture_still_warns_and_is_refused(
        pretrain_ckpt, logged):
    path, _ = pretrain_ckpt
    model = knn_encoder(path, num_layers=5)
    model.init_weights()
    warnings = [r.getMessage() for r in logged if r.levelno >= logging.WARNING]
    assert any('missing keys in source state_dict: layers.4.' in w
               for w in warnings), warnings
    named = {k for w in warnings for k in w.replace(',', ' ').split()}
    assert 'layers.4.ln2.weight' in named and 'ln2.weight' not in named
    with pytest.raises(KeyError, match=r"missing \d+ keys: 'layers\.4\."):
        StrictPretrainedHook().check(model)


def test_without_a_prefix_the_whole_file_loads(tmp_path):
    """``prefix=None``: a DDP checkpoint's ``module.`` is dropped."""
    linear = torch.nn.Linear(3, 2)
    path = tmp_path / 'ddp.pth'
    ddp = {f'module.{k}': v for k, v in linear.state_dict().items()}
    torch.save({'state_dict': ddp}, path)
    target = torch.nn.Linear(3, 2)
    PretrainedInit(checkpoint=str(path))(target)
    assert torch.equal(target.weight, linear.weight)
    assert PretrainedLoad.of(target).keys == {'weight', 'bias'}


def test_another_model_s_plain_state_dict_is_named_with_what_it_holds(
        tmp_path):
    """mmengine's prefix load stops at a bare ``AssertionError: backbone. is
    not in the pretrained model``; the error names the file and summarises
    its keys."""
    other = {f'layer1.{i}.conv.weight': torch.zeros(1) for i in range(3)}
    other['fc.weight'] = torch.zeros(1)
    path = tmp_path / 'resnet_like.pth'
    torch.save(other, path)
    with pytest.raises(KeyError) as error:
        knn_encoder(str(path)).init_weights()
    message = error.value.args[0]
    assert message.startswith(f"{path} holds nothing under the prefix "
                              "'backbone.'")
    assert "4 keys: 'layer1.[0-2].conv.weight' (x3), 'fc.weight'" in message
    assert 'tools/model_converters/' in message
