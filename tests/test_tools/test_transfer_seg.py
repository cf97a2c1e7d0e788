"""Pre-training checkpoint -> ADE20K UperNet, through the project's tools,
on a generated dataset in the ADE20K layout."""
import glob
import os.path as osp

import pytest
from tests_support import (REPO_ROOT, data_options, run_tool,
                           train_one_iteration)

TINY_SEG = 'configs/seg/mimae_vit-tiny-p4_upernet_1xb2-1k_ade20k-64x64.py'


@pytest.fixture(scope='module')
def trained(pretrain_checkpoint, tmp_path_factory):
    from mimae.dataset_builders import build_digit_scenes_ade20k
    tmp = tmp_path_factory.mktemp('seg')
    ade_root = str(tmp / 'ade' / 'ADEChallengeData2016')
    # Non-square (96 x 128), so that training crops and testing slides.
    build_digit_scenes_ade20k(
        ade_root, num_train=4, num_val=2, img_size=(96, 128))
    ckpt, backbone = pretrain_checkpoint
    work_dir = str(tmp / 'work')
    train_one_iteration(TINY_SEG, ckpt, work_dir, data_options(ade_root))
    return work_dir, ade_root, backbone, ckpt


def test_one_iteration_and_miou_from_the_pretraining_checkpoint(trained):
    work_dir, _, backbone, ckpt = trained
    log = open(glob.glob(osp.join(work_dir, '*', '*.log'))[0]).read()
    # All backbone tensors but the dropped final norm load; only the layer
    # scales are new.
    # ...from the checkpoint given on the command line
    # (model.backbone.init_cfg.checkpoint=...), checked by the hook.
    loaded = len(backbone) - 2
    assert f'backbone: all {loaded} tensors loaded from {ckpt}' in log
    new = sorted(f'layers.{i}.{m}.gamma{j}.weight' for i in range(4)
                 for m, j in (('attn', 1), ('ffn', 2)))
    assert f'initialised explicitly: {new}' in log
    assert 'Saving checkpoint at 1 iterations' in log
    assert 'mIoU:' in log
    assert osp.isfile(osp.join(work_dir, 'iter_1.pth'))


def test_tools_test_reports_miou(trained, tmp_path):
    work_dir, ade_root = trained[:2]
    result = run_tool([
        'tools/test.py', TINY_SEG,
        osp.join(work_dir, 'iter_1.pth'), '--work-dir',
        str(tmp_path), '--cfg-options'
    ] + data_options(ade_root))
    assert 'Metrics: aAcc=' in result.stdout and 'mIoU=' in result.stdout


def test_inference_model_on_an_image(trained):
    from mmseg.apis import inference_model, init_model
    work_dir, ade_root = trained[:2]
    model = init_model(
        osp.join(REPO_ROOT, TINY_SEG),
        osp.join(work_dir, 'iter_1.pth'),
        device='cpu')
    img = sorted(
        glob.glob(osp.join(ade_root, 'images', 'validation', '*.jpg')))[0]
    result = inference_model(model, img)
    assert result.pred_sem_seg.data.shape == (1, 96, 128)
    assert result.seg_logits.data.shape == (150, 96, 128)
