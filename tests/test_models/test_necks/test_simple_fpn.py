import pytest
import torch
from mmdet.registry import MODELS

import mimae.models.necks  # noqa: F401  (registers SimpleFPN in mmdet)


def test_pyramid_strides_and_channels():
    neck = MODELS.build(
        dict(
            type='SimpleFPN',
            backbone_channel=32,
            in_channels=[8, 16, 32, 32],
            out_channels=16,
            num_outs=5))
    outs = neck((torch.randn(2, 32, 8, 12), ))
    # Input at stride 16: outputs at strides 4, 8, 16, 32, 64.
    assert [o.shape[-2:] for o in outs] == [(32, 48), (16, 24), (8, 12),
                                            (4, 6), (2, 3)]
    assert all(o.shape[:2] == (2, 16) for o in outs)
    # Channel-first LayerNorm after every conv, bias-free convs.
    assert type(neck.lateral_convs[0].norm).__name__ == 'LayerNorm2d'
    assert neck.lateral_convs[0].conv.bias is None


def test_inconsistent_channels_are_refused():
    with pytest.raises(ValueError, match=r'\[8, 16, 32, 32\]'):
        MODELS.build(
            dict(
                type='SimpleFPN',
                backbone_channel=32,
                in_channels=[32, 32, 32, 32],
                out_channels=16,
                num_outs=5))
