"""Pre-training checkpoint -> ViTDet-style Mask R-CNN, through the project's
tools, on a generated dataset in the COCO layout."""
import glob
import os.path as osp

import pytest
from tests_support import (REPO_ROOT, data_options, run_tool,
                           train_one_iteration)

TINY_DET = ('configs/det/mimae_vit-tiny-p4_mask-rcnn_simplefpn_'
            '1xb2-lsj-200i_coco-64x64.py')

# Real digits on real photos, non-square (96 x 128) so that the 64 px large-
# scale jitter resizes and crops; the config's three classes.
SCENE = dict(num_train=4, num_val=2, classes=(0, 1, 2), img_size=(96, 128))


def coco_options(coco_root):
    ann = osp.join(coco_root, 'annotations', 'instances_val2017.json')
    return data_options(coco_root, ann)


@pytest.fixture(scope='module')
def trained(pretrain_checkpoint, tmp_path_factory):
    from mimae.dataset_builders import build_digit_scenes_coco
    tmp = tmp_path_factory.mktemp('det')
    coco_root = str(tmp / 'coco')
    build_digit_scenes_coco(coco_root, **SCENE)
    ckpt, backbone = pretrain_checkpoint
    work_dir = str(tmp / 'work')
    train_one_iteration(TINY_DET, ckpt, work_dir, coco_options(coco_root))
    return work_dir, coco_root, backbone, ckpt


def test_one_iteration_and_coco_ap_from_the_pretraining_checkpoint(trained):
    work_dir, _, backbone, ckpt = trained
    log = open(glob.glob(osp.join(work_dir, '*', '*.log'))[0]).read()
    # All backbone tensors but the dropped final norm load; only the
    # relative position tables are new.
    # ...from the checkpoint given on the command line
    # (model.backbone.init_cfg.checkpoint=...), checked by the hook.
    loaded = len(backbone) - 2
    assert f'backbone: all {loaded} tensors loaded from {ckpt}' in log
    new = sorted(f'layers.{i}.attn.rel_pos_{a}' for i in range(4)
                 for a in 'hw')
    assert f'initialised explicitly: {new}' in log
    assert 'Saving checkpoint at 1 iterations' in log
    assert 'coco/bbox_mAP:' in log and 'coco/segm_mAP:' in log


def test_tools_test_reports_box_and_mask_ap(trained, tmp_path):
    work_dir, coco_root = trained[:2]
    result = run_tool([
        'tools/test.py', TINY_DET,
        osp.join(work_dir, 'iter_1.pth'), '--work-dir',
        str(tmp_path), '--cfg-options'
    ] + coco_options(coco_root))
    assert 'coco/bbox_mAP=' in result.stdout
    assert 'coco/segm_mAP=' in result.stdout


def test_inference_detector_on_an_image(trained):
    from mmdet.apis import inference_detector, init_detector
    from mmengine.config import Config
    work_dir, coco_root = trained[:2]
    cfg = Config.fromfile(osp.join(REPO_ROOT, TINY_DET))
    cfg.model.backbone.init_cfg = None  # weights come from the checkpoint
    model = init_detector(cfg, osp.join(work_dir, 'iter_1.pth'), device='cpu')
    img = sorted(glob.glob(osp.join(coco_root, 'val2017', '*.jpg')))[0]
    result = inference_detector(model, img)
    pred = result.pred_instances
    assert pred.bboxes.shape[1] == 4
    assert pred.masks.shape[1:] == (96, 128)
    assert len(pred.scores) == len(pred.labels) == len(pred.bboxes)
