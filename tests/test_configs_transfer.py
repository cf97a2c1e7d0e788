"""The det/seg/cls configs: the published protocols, the backbone loaded
directly, and an MAE twin for every MI-MAE config."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(REPO_ROOT, 'configs')
TRANSFER = sorted(
    p for task in ('cls', 'det', 'seg')
    for p in glob.glob(osp.join(CONFIGS, task, '*.py')))


def load(rel):
    return Config.fromfile(osp.join(CONFIGS, rel))


@pytest.mark.parametrize(
    'path', TRANSFER, ids=lambda p: osp.relpath(p, CONFIGS))
def test_backbone_is_loaded_from_a_pretraining_checkpoint(path):
    cfg = Config.fromfile(path)
    assert 'mimae' in cfg.custom_imports.imports
    # A k-NN evaluation's backbone is its retriever's image encoder.
    backbone = cfg.model.get('backbone') or cfg.model.image_encoder
    # MMPretrain's ViT, or ViTDet for detection: the pre-training encoder's
    # parameter names, checked by StrictPretrainedHook.
    expected = 'ViTDet' if cfg.default_scope == 'mmdet' else \
        'VisionTransformer'
    assert backbone.type.split('.')[-1] == expected
    init = backbone.init_cfg
    assert (init.type, init.prefix) == ('Pretrained', 'backbone.')
    assert init.checkpoint.startswith('work_dirs/')
    assert dict(type='StrictPretrainedHook') in cfg.custom_hooks
    assert 'pretrained' not in cfg  # set where MMPretrain documents it


@pytest.mark.parametrize(
    'path', [p for p in TRANSFER if osp.basename(p).startswith('mae_')],
    ids=osp.basename)
def test_mae_twin_differs_only_in_the_checkpoint(path):
    mae = Config.fromfile(path)
    mimae = Config.fromfile(
        osp.join(osp.dirname(path), 'mi' + osp.basename(path)))
    ours = mimae.model.backbone.init_cfg.checkpoint
    assert 'mae_vit-base-p16_8xb512' in mae.model.backbone.init_cfg.checkpoint
    assert 'mimae_vit-base-p16_8xb128' in ours
    mae.model.backbone.init_cfg.checkpoint = ours
    assert mae.to_dict() == mimae.to_dict()


def test_mask_rcnn_follows_vitdet():
    cfg = load('det/mimae_vit-base-p16_mask-rcnn_simplefpn_16xb4-lsj-100e_'
               'coco.py')
    b = cfg.model.backbone
    assert (b.img_size, b.window_size, b.global_attn_indexes, b.use_rel_pos,
            b.drop_path_rate) == (1024, 14, [2, 5, 8, 11], True, 0.1)
    assert cfg.model.neck.type == 'SimpleFPN'
    assert cfg.model.neck.norm_cfg.type == 'mmpretrain.LN2d'
    assert cfg.default_scope == 'mmdet'
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.weight_decay) == ('AdamW', 1e-4, 0.1)
    assert cfg.optim_wrapper.paramwise_cfg.layer_decay_rate == 0.7
    assert 16 * cfg.train_dataloader.batch_size == 64
    assert cfg.train_cfg.max_iters == 184375
    resize = cfg.train_pipeline[3]
    assert (resize.type, resize.ratio_range) == ('RandomResize', (0.1, 2.0))
    ann = cfg.train_dataloader.dataset
    assert (ann.data_root,
            ann.ann_file) == ('data/coco/',
                              'annotations/instances_train2017.json')
    assert cfg.val_evaluator.metric == ['bbox', 'segm']


def test_upernet_follows_mmseg_mae():
    cfg = load('seg/mimae_vit-base-p16_upernet_8xb2-amp-160k_ade20k-'
               '512x512.py')
    b = cfg.model.backbone
    assert (b.img_size, b.out_indices,
            b.drop_path_rate) == (512, [3, 5, 7, 11], 0.1)
    assert cfg.model.neck.rescales == [4, 2, 1, 0.5]
    assert cfg.model.decode_head.channels == 768
    assert cfg.model.auxiliary_head.type == 'FCNHead'
    assert cfg.model.test_cfg == dict(
        mode='slide', crop_size=(512, 512), stride=(341, 341))
    assert cfg.optim_wrapper.optimizer.lr == 1e-4
    assert cfg.optim_wrapper.paramwise_cfg.layer_decay_rate == 0.65
    assert cfg.train_cfg.max_iters == 160000
    assert cfg.param_scheduler[0].end == 1500
    assert cfg.train_dataloader.dataset.data_root == \
        'data/ade/ADEChallengeData2016'
    assert cfg.val_evaluator.iou_metrics == ['mIoU']


def test_imagenet_protocols_follow_mmpretrain_mae():
    ft = load('cls/mimae_vit-base-p16_8xb128-coslr-100e_in1k.py')
    assert ft.optim_wrapper.optimizer.lr == 2e-3
    assert ft.optim_wrapper.paramwise_cfg.layer_decay_rate == 0.65
    assert ft.model.backbone.drop_path_rate == 0.1
    assert ft.train_cfg.max_epochs == 100
    assert ft.optim_wrapper.constructor == 'LayerDecayOptimWrapperConstructor'
    lin = load('cls/mimae_vit-base-p16_8xb2048-linear-coslr-90e_in1k.py')
    assert lin.optim_wrapper.optimizer.type == 'LARS'
    assert lin.optim_wrapper.optimizer.lr == 6.4
    assert lin.model.backbone.frozen_stages == 12
    assert lin.model.neck.type == 'ClsBatchNormNeck'
    assert lin.auto_scale_lr.base_batch_size == 8 * 2048
    one = load('cls/mimae_vit-base-p16_8xb128-coslr-100e_in1k-1pct.py')
    assert one.train_dataloader.dataset.ann_file == 'meta/train_1percent.txt'
    assert one.val_dataloader.dataset.split == 'val'
