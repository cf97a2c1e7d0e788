"""The configs run under the OpenMMLab packages' own tools/train.py.

The scripts ship in each wheel's ``.mim/tools``. On this CPU stack
``import mimae`` must come first (its torchvision fix), so each runs through
``runpy`` after that import; the script and the config are used unchanged.
"""
import glob
import os.path as osp
import subprocess
import sys

import mmpretrain
from conftest import REPO_ROOT, TINY_CONFIG
from tests_support import data_options

RUN = """
import runpy, sys
import mimae
script = sys.argv[1]
sys.argv = ['train.py'] + sys.argv[2:]
runpy.run_path(script, run_name='__main__')
"""
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def upstream_train(package, config, work_dir, options):
    script = osp.join(
        osp.dirname(package.__file__), '.mim', 'tools', 'train.py')
    result = subprocess.run([
        sys.executable, '-c', RUN, script, config, '--work-dir', work_dir,
        '--cfg-options', *options
    ],
                            cwd=REPO_ROOT,
                            capture_output=True,
                            text=True,
                            timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return open(glob.glob(osp.join(work_dir, '*', '*.log'))[0]).read()


def test_pretraining_config(digits_root, tmp_path):
    log = upstream_train(mmpretrain, TINY_CONFIG, str(tmp_path), [
        f'train_dataloader.dataset.data_root={digits_root}',
        'train_dataloader.dataset.indices=128', 'train_cfg.max_epochs=1',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False'
    ])
    assert 'loss_mi_max' in log and 'loss_mi_min' in log
    assert osp.isfile(tmp_path / 'epoch_1.pth')


def test_fine_tune_config_with_its_checkpoint_key(digits_root,
                                                  pretrain_checkpoint,
                                                  tmp_path):
    ckpt, backbone = pretrain_checkpoint
    options = [
        f'model.backbone.init_cfg.checkpoint={ckpt}', 'train_cfg.max_epochs=1'
    ]
    for loader in LOADERS:
        options += [
            f'{loader}.dataset.data_root={digits_root}',
            f'{loader}.dataset.indices=32', f'{loader}.num_workers=0',
            f'{loader}.persistent_workers=False'
        ]
    log = upstream_train(
        mmpretrain, 'configs/cls/mimae_vit-tiny-p4_1xb64-coslr-10e_digits.py',
        str(tmp_path), options)
    # StrictPretrainedHook ran: every backbone tensor but the dropped final
    # norm was found.
    loaded = len(backbone) - 2
    assert f'backbone: all {loaded} tensors loaded from {ckpt}' in log


def test_segmentation_config_under_mmseg(pretrain_checkpoint, tmp_path):
    import mmseg

    from mimae.dataset_builders import build_digit_scenes_ade20k
    root = str(tmp_path / 'ade')
    build_digit_scenes_ade20k(root, num_train=8, num_val=4)
    ckpt, backbone = pretrain_checkpoint
    config = ('configs/seg/'
              'mimae_vit-tiny-p4_upernet_1xb8-600i_digit-scenes-32x32.py')
    log = upstream_train(mmseg, config, str(tmp_path / 'work'),
                         two_iterations(ckpt) + data_options(root))
    assert f'all {len(backbone) - 2} tensors loaded from {ckpt}' in log
    assert 'mIoU' in log


def test_detection_config_under_mmdet(pretrain_checkpoint, tmp_path):
    import mmdet

    from mimae.dataset_builders import build_digit_scenes_coco
    root = str(tmp_path / 'coco')
    build_digit_scenes_coco(root, num_train=8, num_val=4)
    ckpt, backbone = pretrain_checkpoint
    config = ('configs/det/mimae_vit-tiny-p4_mask-rcnn_simplefpn_'
              '1xb8-400i_digit-scenes-32x32.py')
    ann = osp.join(root, 'annotations', 'instances_val2017.json')
    log = upstream_train(mmdet, config, str(tmp_path / 'work'),
                         two_iterations(ckpt) + data_options(root, ann))
    # The det config's custom_imports load SimpleFPN and the ViTDet
    # backbone; the hook checked the checkpoint.
    assert f'all {len(backbone) - 2} tensors loaded from {ckpt}' in log
    assert 'coco/bbox_mAP' in log


def two_iterations(ckpt):
    """Options: the checkpoint, two iterations, validation after them."""
    return [
        f'model.backbone.init_cfg.checkpoint={ckpt}', 'train_cfg.max_iters=2',
        'train_cfg.val_interval=2', 'default_hooks.checkpoint.interval=2'
    ]
