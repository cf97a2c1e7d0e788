"""MAE/timm checkpoints <-> ours, checked against timm's own ViT."""
import pytest
import torch
from mmpretrain.registry import MODELS
from tests_support import run_tool

from mimae.checkpoint_keys import mae_to_mimae, mimae_to_timm
from mimae.engine import StrictPretrainedHook


def timm_vit():
    import timm
    torch.manual_seed(0)
    model = timm.models.vision_transformer.VisionTransformer(
        img_size=32,
        patch_size=8,
        embed_dim=32,
        depth=2,
        num_heads=2,
        mlp_ratio=2,
        num_classes=0,
        global_pool='token')
    with torch.no_grad():  # make every tensor distinct and non-trivial
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    return model.eval()


def our_vit():
    model = MODELS.build(
        dict(
            type='VisionTransformer',
            out_type='raw',
            img_size=32,
            patch_size=8,
            arch=dict(
                embed_dims=32,
                num_layers=2,
                num_heads=2,
                feedforward_channels=64)))
    model.eval()
    return model


def mae_decoder_state(num_patches=16, dim=32, dec=16, depth=1):
    """An official-MAE-named decoder with timm blocks, as models_mae.py."""
    from timm.models.vision_transformer import Block
    state = {
        'mask_token': torch.randn(1, 1, dec),
        'decoder_pos_embed': torch.randn(1, num_patches + 1, dec),
        'decoder_embed.weight': torch.randn(dec, dim),
        'decoder_embed.bias': torch.randn(dec),
        'decoder_norm.weight': torch.randn(dec),
        'decoder_norm.bias': torch.randn(dec),
        'decoder_pred.weight': torch.randn(8 * 8 * 3, dec),
        'decoder_pred.bias': torch.randn(8 * 8 * 3),
    }
    for i in range(depth):
        block = Block(dec, 2, mlp_ratio=4, qkv_bias=True)
        state.update({
            f'decoder_blocks.{i}.{k}': v
            for k, v in block.state_dict().items()
        })
    return state


def test_timm_weights_give_the_same_features_in_our_vit():
    timm_model, ours = timm_vit(), our_vit()
    converted = mae_to_mimae(timm_model.state_dict())
    ours.load_state_dict(
        {
            k[len('backbone.'):]: v
            for k, v in converted.items()
        }, strict=True)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        expected = timm_model.forward_features(x)
        got = ours(x)[0]
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)


def test_round_trip_mae_to_ours_to_timm_is_identity():
    original = timm_vit().state_dict()
    back, dropped = mimae_to_timm(mae_to_mimae(original))
    assert dropped == []
    assert back.keys() == original.keys()
    assert all(torch.equal(back[k], original[k]) for k in original)


def test_mae_decoder_loads_into_mmpretrain_decoder():
    neck = MODELS.build(
        dict(
            type='MAEPretrainDecoder',
            num_patches=16,
            patch_size=8,
            embed_dim=32,
            decoder_embed_dim=16,
            decoder_depth=1,
            decoder_num_heads=2,
            mlp_ratio=4.))
    converted = mae_to_mimae(mae_decoder_state())
    assert all(k.startswith('neck.') for k in converted)
    neck.load_state_dict({k[5:]: v for k, v in converted.items()}, strict=True)


def test_unknown_keys_are_listed_not_dropped():
    with pytest.raises(KeyError, match="'encoder.weird'"):
        mae_to_mimae({'cls_token': torch.zeros(1), 'encoder.weird': 1})
    with pytest.raises(KeyError, match='layers.0.attn.rel_pos_h'):
        mimae_to_timm({'backbone.layers.0.attn.rel_pos_h': torch.zeros(1)})


def test_command_line_round_trip(tmp_path):
    timm_model = timm_vit()
    src = tmp_path / 'mae.pth'
    torch.save({'model': {
        **timm_model.state_dict(),
        **mae_decoder_state()
    }}, src)
    ours, timm_out = tmp_path / 'ours.pth', tmp_path / 'timm.pth'
    for script, args in (('mae_to_mimae.py', [src, ours]), ('mimae_to_timm.py',
                                                            [ours, timm_out])):
        run_tool([f'tools/model_converters/{script}', *args])
    assert 'sha256' in torch.load(ours)['meta']
    back = torch.load(timm_out)['model']
    original = timm_model.state_dict()
    assert back.keys() == original.keys()
    assert all(torch.equal(back[k], original[k]) for k in original)
    # The converted checkpoint is a valid `pretrained` for our backbone.
    model = MODELS.build(
        dict(
            type='VisionTransformer',
            out_type='featmap',
            img_size=32,
            patch_size=8,
            final_norm=False,
            arch=dict(
                embed_dims=32,
                num_layers=2,
                num_heads=2,
                feedforward_channels=64),
            init_cfg=dict(
                type='Pretrained', checkpoint=str(ours), prefix='backbone.')))
    model.init_weights()
    StrictPretrainedHook().check(model)  # every key found its place
    assert torch.equal(model.layers[1].attn.qkv.weight,
                       original['blocks.1.attn.qkv.weight'])
