"""One layer-decay constructor for classifier, segmentor and detector."""
import pytest
import torch
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope

BACKBONE = dict(
    type='mmpretrain.VisionTransformer',
    arch=dict(
        embed_dims=32, num_layers=4, num_heads=2, feedforward_channels=64),
    img_size=32,
    patch_size=8,
    final_norm=False)
BASE_LR, RATE = 1e-3, 0.5
OPTIM = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=BASE_LR, weight_decay=0.05),
    constructor='LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(layer_decay_rate=RATE, flat_decay_mult=0.))


def classifier():
    from mmpretrain.registry import MODELS
    return 'mmpretrain', MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=dict(
                BACKBONE, type='VisionTransformer', out_type='avg_featmap'),
            head=dict(type='LinearClsHead', num_classes=3, in_channels=32)))


def segmentor():
    from mmseg.registry import MODELS
    return 'mmseg', MODELS.build(
        dict(
            type='EncoderDecoder',
            backbone=dict(BACKBONE, out_type='featmap', out_indices=[3]),
            decode_head=dict(
                type='FCNHead',
                in_channels=32,
                channels=8,
                num_convs=1,
                num_classes=3)))


def detector():
    from mmdet.registry import MODELS

    import mimae.models.necks  # noqa: F401  (SimpleFPN, for mmdet)
    return 'mmdet', MODELS.build(
        dict(
            type='RetinaNet',
            backbone=dict(
                BACKBONE,
                type='mmpretrain.ViTDet',
                window_size=2,
                global_attn_indexes=[3],
                out_indices=[3]),
            neck=dict(
                type='SimpleFPN',
                backbone_channel=32,
                in_channels=[8, 16, 32, 32],
                out_channels=16,
                num_outs=5),
            bbox_head=dict(
                type='RetinaHead',
                num_classes=3,
                in_channels=16,
                feat_channels=16,
                anchor_generator=dict(
                    type='AnchorGenerator',
                    octave_base_scale=4,
                    scales_per_octave=3,
                    ratios=[0.5, 1.0, 2.0],
                    strides=[4, 8, 16, 32, 64]),
                bbox_coder=dict(type='DeltaXYWHBBoxCoder'),
                loss_cls=dict(type='FocalLoss', use_sigmoid=True),
                loss_bbox=dict(type='L1Loss'))))


@pytest.mark.parametrize('make', [classifier, segmentor, detector])
def test_lr_of_first_block_last_block_and_head(make):
    scope, model = make()
    with DefaultScope.overwrite_default_scope(scope):
        wrapper = build_optim_wrapper(model, OPTIM)
    lr = {g['param_name']: g['lr'] for g in wrapper.optimizer.param_groups}
    # 4 layers -> depths 0 (stem) .. 5 (head); scale = rate ** (5 - depth).
    assert lr['backbone.patch_embed.projection.weight'] == pytest.approx(
        BASE_LR * RATE**5)
    assert lr['backbone.layers.0.attn.qkv.weight'] == pytest.approx(BASE_LR *
                                                                    RATE**4)
    assert lr['backbone.layers.3.attn.qkv.weight'] == pytest.approx(BASE_LR *
                                                                    RATE)
    heads = [n for n in lr if not n.startswith('backbone.')]
    assert heads and all(lr[n] == pytest.approx(BASE_LR) for n in heads)
    wd = {
        g['param_name']: g['weight_decay']
        for g in wrapper.optimizer.param_groups
    }
    assert wd['backbone.layers.0.attn.qkv.weight'] == 0.05
    assert wd['backbone.layers.0.attn.qkv.bias'] == 0.


def test_model_without_a_vit_backbone_is_refused():
    with pytest.raises(TypeError, match='no get_layer_depth'):
        build_optim_wrapper(torch.nn.Sequential(torch.nn.Linear(2, 2)), OPTIM)
