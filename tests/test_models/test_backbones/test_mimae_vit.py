import pytest
import torch
from mmpretrain.registry import MODELS

ARCH = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)


def build(**kwargs):
    cfg = dict(
        type='MIMAEViT',
        arch=ARCH,
        img_size=32,
        patch_size=8,
        num_masks=4,
        mask_ratio=0.75)
    cfg.update(kwargs)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def test_masks_are_disjoint_and_cover_all_patches():
    model = build()
    B, K, L, n_vis = 3, 4, 16, 4
    latent, mask, ids_restore, visible_embed = model(torch.randn(B, 3, 32, 32))
    assert latent.shape == (B * K, 1 + n_vis, 32)
    assert mask.shape == ids_restore.shape == (B * K, L)
    assert visible_embed.shape == (B * K, 32)
    visible = (mask == 0).view(K, B, L)  # mask-major rows
    assert (visible.sum(-1) == n_vis).all()
    for i in range(K):
        for k in range(i + 1, K):
            assert not (visible[i] & visible[k]).any(), (i, k)
    # K * n_vis == L at ratio 0.75: the four masks partition the image.
    assert (visible.sum(0) == 1).all()


def test_ids_restore_puts_each_views_tokens_back_in_place():
    """The decoder's unshuffle must put visible token j at its patch."""
    model = build(num_masks=3)
    B, L = 2, 16
    x = torch.randn(B, L, 32)
    x_visible, mask, ids_restore = model.orthogonal_masking(x)
    n_vis = x_visible.shape[1]
    # What MAEPretrainDecoder does: append mask tokens, gather ids_restore.
    filler = torch.full((x_visible.shape[0], L - n_vis, 32), float('nan'))
    seq = torch.cat([x_visible, filler], dim=1)
    restored = torch.gather(seq, 1,
                            ids_restore.unsqueeze(-1).expand(-1, -1, 32))
    expected = x.repeat(3, 1, 1)
    keep = mask == 0
    assert torch.equal(restored[keep], expected[keep])
    assert torch.isnan(restored[~keep]).all()


def test_residual_patches_when_masks_do_not_cover_the_image():
    model = build(num_masks=2)
    _, mask, _, _ = model(torch.randn(2, 3, 32, 32))
    visible = (mask == 0).view(2, 2, 16)
    assert (visible.sum(-1) == 4).all()
    assert (visible.sum(0) <= 1).all()
    assert (visible.sum((0, 2)) == 8).all()


def test_unmasked_forward_is_the_plain_vit():
    model = build(out_type='raw')
    out = model(torch.randn(2, 3, 32, 32), mask=False)
    assert out[0].shape == (2, 17, 32)
    out = model(torch.randn(2, 3, 32, 32), mask=None)
    assert out[0].shape == (2, 17, 32)


def test_impossible_mask_setting_is_refused_with_the_numbers():
    with pytest.raises(ValueError) as err:
        build(num_masks=5)
    msg = str(err.value)
    assert 'num_masks=5' in msg and '20 distinct' in msg and 'only 16' in msg
    assert 'num_masks <= 4' in msg


def test_image_size_not_divisible_by_patch_is_refused():
    with pytest.raises(ValueError, match=r'img_size=36 .*patch_size=8'):
        build(img_size=36)


def test_mask_ratio_leaving_no_visible_patch_is_refused():
    with pytest.raises(ValueError, match='0 visible patches'):
        build(mask_ratio=0.99)
