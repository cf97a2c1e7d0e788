"""RawPixels: the input itself as the feature (the raw-input floor)."""
import torch
from mmpretrain.registry import MODELS


def test_raw_pixels_flatten_or_pool_the_image():
    x = torch.arange(2 * 3 * 4 * 4, dtype=torch.float).view(2, 3, 4, 4)
    out, = MODELS.build(dict(type='RawPixels'))(x)
    torch.testing.assert_close(out, x.flatten(1))
    pooled, = MODELS.build(dict(type='RawPixels', size=2))(x)
    assert pooled.shape == (2, 3 * 2 * 2)
    torch.testing.assert_close(pooled[0, 0], x[0, 0, :2, :2].mean())
