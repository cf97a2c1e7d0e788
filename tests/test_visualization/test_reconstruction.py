"""Reconstruction pictures: the views, the pasted reconstructions, the
pieced picture, and the tool that draws them."""
import os
import os.path as osp

import mmcv
import pytest
import torch
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS
from tests_support import run_tool

from mimae.visualization import reconstruct


@pytest.fixture
def model(tiny_model_cfg):
    torch.manual_seed(0)
    # Earlier tests in this process may leave mmdet or mmseg the default
    # scope, where the registry would look for MIMAE.
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(tiny_model_cfg)
    model.init_weights()
    return model.eval()


def test_views_pastes_and_pieced_picture(model):
    inputs = torch.randn(2, 3, 32, 32)
    torch.manual_seed(5)
    out = reconstruct(model, inputs)
    # The prediction, recomputed with the same mask draw.
    torch.manual_seed(5)
    latent, mask, ids_restore, _ = model.backbone(inputs)
    with torch.no_grad():
        pred = model.neck(latent, ids_restore).view(4, 2, 16, -1)
    head = model.head
    patches = head.patchify(inputs)
    mean = patches.mean(-1, keepdim=True)
    std = (patches.var(-1, keepdim=True) + 1e-6)**.5
    pred = pred * std + mean  # norm_pix undone with the true patch's stats
    mask = mask.view(4, 2, 16)
    assert torch.equal(out['mask'], mask)
    # K=4 views of 4 visible patches out of 16: each patch is seen once.
    assert torch.equal((1 - mask).sum(0), torch.ones(2, 16))

    masked = head.patchify(out['masked'].flatten(0, 1)).view(4, 2, 16, -1)
    pasted = head.patchify(out['pasted'].flatten(0, 1)).view(4, 2, 16, -1)
    visible = (mask == 0).unsqueeze(-1)
    assert torch.allclose(masked, torch.where(visible, patches, 0.), atol=1e-6)
    assert torch.allclose(
        pasted, torch.where(visible, patches, pred), atol=1e-5)
    # Each patch of the pieced picture: the mean of the 3 views that
    # removed it.
    pieced = head.patchify(out['pieced'])
    expected = (pred * (~visible)).sum(0) / 3
    assert torch.allclose(pieced, expected, atol=1e-5)


def test_tool_draws_the_demo_layout(pretrain_checkpoint, digits_root,
                                    tmp_path):
    ckpt, _ = pretrain_checkpoint
    image = osp.join(digits_root, 'val', 'digit_3')
    image = osp.join(image, sorted(os.listdir(image))[0])
    out = tmp_path / 'recon.png'
    result = run_tool([
        'tools/visualization/visualize_reconstruction.py', ckpt, image,
        '--out', out
    ])
    assert '4 views' in result.stdout
    drawn = mmcv.imread(str(out))
    # 2 rows and 1 + K columns of 32 px tiles x 4, 14 px labels, 4 px gaps.
    assert drawn.shape == (2 * (128 + 14 + 4) + 4, 5 * (128 + 4) + 4, 3)


def test_tool_names_an_unreadable_image(pretrain_checkpoint, tmp_path):
    ckpt, _ = pretrain_checkpoint
    bad = tmp_path / 'broken.jpg'
    bad.write_bytes(b'not an image')
    with pytest.raises(
            AssertionError,
            match='ImageDecodeError: cannot load image .*broken'):
        run_tool([
            'tools/visualization/visualize_reconstruction.py', ckpt, bad,
            '--out', tmp_path / 'x.png'
        ])


def test_tool_refuses_a_checkpoint_that_is_not_pre_training(tmp_path, capsys):
    """A fine-tuned classifier's checkpoint (its config in meta, as
    mmengine saves it) is refused by name, before anything is built."""
    from mmengine.config import Config
    from tests_support import REPO_ROOT, load_tool
    cls_cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', 'cls',
                 'mimae_vit-tiny-p4_1xb64-coslr-10e_digits.py'))
    ckpt = tmp_path / 'finetuned.pth'
    torch.save({'meta': {'cfg': cls_cfg.pretty_text}, 'state_dict': {}}, ckpt)
    tool = load_tool('tools/visualization/visualize_reconstruction.py')
    with pytest.raises(SystemExit):
        tool.main([str(ckpt), 'image.png', '--out', str(tmp_path / 'x.png')])
    assert (f'{ckpt} holds a model of type ImageClassifier, not MAE or '
            'MIMAE') in capsys.readouterr().err
