"""Every shipped config parses, builds, and says what docs/design.md says."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PRETRAIN = osp.join(REPO_ROOT, 'configs', 'pretrain')
ALL = sorted(glob.glob(osp.join(PRETRAIN, '**', '*.py'), recursive=True))


def load(name):
    return Config.fromfile(osp.join(PRETRAIN, name))


@pytest.mark.parametrize('path', ALL, ids=lambda p: osp.relpath(p, PRETRAIN))
def test_config_parses_with_a_model_and_data(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmpretrain'
    assert 'mimae' in cfg.custom_imports.imports
    assert cfg.model.type in ('MIMAE', 'MAE', 'MFF')
    assert cfg.train_dataloader.dataset.type == 'ImageNet'


def test_vit_base_follows_the_mae_recipe_with_four_masks():
    cfg = load('mimae_vit-base-p16_8xb128-amp-coslr-400e_in1k.py')
    assert cfg.model.backbone.num_masks == 4
    assert cfg.model.backbone.mask_ratio == 0.75
    assert cfg.model.head.norm_pix is True
    assert (cfg.model.neck.decoder_embed_dim,
            cfg.model.neck.decoder_depth) == (512, 8)
    assert cfg.model.mi_max_head.temperature == 0.07
    # The projector's BN over the global batch (InfoNCE gathers its keys).
    assert cfg.model.mi_max_head.norm_cfg == dict(type='SyncBN')
    # 8 GPUs x 128 images x 4 accumulation steps = 4096 images per update.
    assert 8 * cfg.train_dataloader.batch_size * \
        cfg.optim_wrapper.accumulative_counts == 4096
    assert cfg.optim_wrapper.optimizer.lr == pytest.approx(1.5e-4 * 4096 / 256)
    assert cfg.optim_wrapper.optimizer.betas == (0.9, 0.95)
    assert cfg.optim_wrapper.optimizer.weight_decay == 0.05
    warmup, cosine = cfg.param_scheduler
    assert (warmup.end, cosine.end) == (40, 400)
    assert cfg.train_cfg.max_epochs == 400
    assert cfg.train_dataloader.dataset.data_root == 'data/imagenet/'
    assert cfg.auto_scale_lr.base_batch_size == 8 * 128


def test_aliases_are_their_full_configs():
    assert load('mimae_vitb.py').to_dict() == load(
        'mimae_vit-base-p16_8xb128-amp-coslr-400e_in1k.py').to_dict()
    vitl = load('mimae_vitl.py')
    assert vitl.to_dict() == load(
        'mimae_vit-large-p16_8xb128-amp-coslr-400e_in1k.py').to_dict()
    assert vitl.model.backbone.arch == 'l'
    assert vitl.model.neck.embed_dim == 1024


def test_mae_baseline_is_mmpretrain_mae_on_the_same_data():
    mae = load('mae_vit-base-p16_8xb512-amp-coslr-400e_in1k.py')
    mimae = load('mimae_vitb.py')
    assert (mae.model.type, mae.model.backbone.type) == ('MAE', 'MAEViT')
    # The same data and augmentations; MI-MAE's pipeline first seeds each
    # sample's augmentation from the sample (exact resume).
    ours = dict(mimae.train_dataloader.dataset)
    seed, loader, *pipeline = ours.pop('pipeline')
    assert (seed.type, loader.type) == ('SeedSample',
                                        'LoadImageFromFileChecked')
    pipeline = [dict(type='LoadImageFromFile')] + pipeline
    unscoped = [{
        k: v
        for k, v in t.items() if k != '_scope_'
    } for t in pipeline]  # tags of the mmpretrain:: inheritance
    assert dict(ours, pipeline=unscoped) == mae.train_dataloader.dataset
    # Both inherit MMPretrain's MAE recipe: the same optimizer and schedule.
    assert mae.param_scheduler == mimae.param_scheduler
    assert mae.optim_wrapper.optimizer == mimae.optim_wrapper.optimizer
    assert load('mae_vit-base-p16_8xb512-amp-coslr-1600e_in1k.py'
                ).train_cfg.max_epochs == 1600


@pytest.mark.parametrize('name,num_masks,max_mi,min_mi', [
    ('mimae-k1-nomi', 1, False, False),
    ('mimae-k4-nomi', 4, False, False),
    ('mimae-k4-maxmi', 4, True, False),
    ('mimae-k4-minmi', 4, False, True),
])
def test_ablations(name, num_masks, max_mi, min_mi):
    cfg = load(f'ablation/{name}_vit-base-p16_8xb128-amp-coslr-400e_in1k.py')
    assert cfg.model.backbone.num_masks == num_masks
    assert (cfg.model.mi_max_head is not None) == max_mi
    assert (cfg.model.mi_min_head is not None) == min_mi
    if max_mi:
        assert cfg.model.mi_max_head.norm_cfg == dict(type='SyncBN')


def test_vit_base_model_builds_and_computes_every_loss():
    cfg = load('mimae_vitb.py')
    model = MODELS.build(cfg.model)
    model.init_weights()
    data = model.data_preprocessor(
        {
            'inputs': torch.randint(0, 256, (2, 3, 224, 224)).float(),
            'data_samples': [None, None]
        }, True)
    losses = model(**data, mode='loss')
    assert {'loss_rec', 'loss_mi_max', 'loss_mi_min',
            'loss_est'} <= set(losses)
    # 224 px / patch 16 = 196 patches, 4 masks of 49: 8 views of 50 tokens.
    latent, mask, _, _ = model.backbone(data['inputs'])
    assert latent.shape == (8, 50, 768)
    assert (mask == 0).view(4, 2, 196).sum(0).eq(1).all()
