"""mmengine loads names, URLs and the official MAE format through mimae's
loaders, with the strict key check of every downstream config."""
import glob
import hashlib
import io
import os.path as osp

import pytest
import torch
import yaml
from mmengine.runner.checkpoint import _load_checkpoint
from tests_support import data_options, train_one_iteration

from mimae.checkpoint_keys import mimae_to_timm, to_mmengine_checkpoint

DET = ('configs/det/mimae_vit-tiny-p4_mask-rcnn_simplefpn_'
       '1xb8-400i_digit-scenes-32x32.py')
SEG = 'configs/seg/mimae_vit-tiny-p4_upernet_1xb8-600i_digit-scenes-32x32.py'


def test_formats_are_recognised_and_converted():
    timm_state = {
        'cls_token': torch.zeros(1, 1, 4),
        'blocks.0.norm1.weight': torch.ones(4),
        'norm.weight': torch.ones(4)
    }
    official = to_mmengine_checkpoint({'model': timm_state}, 'mae.pth')
    assert sorted(official['state_dict']) == [
        'backbone.cls_token', 'backbone.layers.0.ln1.weight',
        'backbone.ln1.weight'
    ]
    assert official['meta']['converted_from'] == 'MAE format: mae.pth'
    flat = to_mmengine_checkpoint(dict(timm_state), 'timm.pth')
    assert flat['state_dict'].keys() == official['state_dict'].keys()
    ours = {'state_dict': {'backbone.x': torch.ones(1)}, 'meta': {}}
    assert to_mmengine_checkpoint(ours, 'ours.pth') is ours
    other = {'conv.weight': torch.ones(1)}  # any flat state dict: as is
    assert to_mmengine_checkpoint(other, 'r.pth') is other
    with pytest.raises(
            KeyError, match=r"found \{'weights': 'dict', "
            r"'step': 'int'\}"):
        to_mmengine_checkpoint({'weights': {}, 'step': 3}, 'odd.pth')


@pytest.fixture
def official_mae_in_a_zoo(pretrain_checkpoint, file_server, zoo_cache,
                          tmp_path, monkeypatch):
    """The tiny pre-training backbone as the official MAE release stores
    it ({'model': timm keys}), served over HTTP and named in an index
    with an MD5 prefix, as the release publishes it."""
    ckpt, backbone = pretrain_checkpoint
    state, _ = mimae_to_timm({f'backbone.{k}': v for k, v in backbone.items()})
    buffer = io.BytesIO()
    torch.save({'model': state}, buffer)
    data = buffer.getvalue()
    file_server.files['mae_pretrain_vit_tiny.pth'] = data
    md5 = hashlib.md5(data).hexdigest()[:6]
    index = tmp_path / 'index.yml'
    index.write_text(
        yaml.safe_dump({
            'Models': [{
                'Name': 'mae_pretrain_vit_tiny',
                'Weights': f'{file_server.url}mae_pretrain_vit_tiny.pth',
                'Metadata': {
                    'License': 'CC-BY-NC-4.0',
                    'Weights Hash': f'md5={md5}'
                }
            }]
        }))
    monkeypatch.setenv('MIMAE_MODEL_INDEX', str(index))
    return backbone


def test_a_zoo_name_loads_through_mmengine(official_mae_in_a_zoo):
    backbone = official_mae_in_a_zoo
    ckpt = _load_checkpoint('mae_pretrain_vit_tiny', map_location='cpu')
    assert ckpt['state_dict'].keys() == {f'backbone.{k}' for k in backbone}
    for key, value in backbone.items():
        assert torch.equal(ckpt['state_dict'][f'backbone.{key}'], value)
    with pytest.raises(KeyError, match="Closest: \\['mae_pretrain_vit_tiny'"):
        _load_checkpoint('mae_pretrain_vit_tny')


@pytest.mark.parametrize('config', [DET, SEG], ids=['det', 'seg'])
def test_official_mae_weights_by_name_in_det_and_seg_configs(
        official_mae_in_a_zoo, config, tmp_path, file_server):
    from mimae.dataset_builders import (build_digit_scenes_ade20k,
                                        build_digit_scenes_coco)
    backbone = official_mae_in_a_zoo
    if config == DET:
        root = str(tmp_path / 'coco')
        build_digit_scenes_coco(root, num_train=8, num_val=4)
        options = data_options(
            root, osp.join(root, 'annotations', 'instances_val2017.json'))
    else:
        root = str(tmp_path / 'ade')
        build_digit_scenes_ade20k(root, num_train=8, num_val=4)
        options = data_options(root)
    work_dir = str(tmp_path / 'work')
    train_one_iteration(config, 'mae_pretrain_vit_tiny', work_dir, options)
    log = open(glob.glob(osp.join(work_dir, '*', '*.log'))[0]).read()
    # Every backbone tensor but the final norm (which these heads drop)
    # came from the converted file, checked key by key.
    assert (f'backbone: all {len(backbone) - 2} tensors loaded from '
            'mae_pretrain_vit_tiny;') in log
    # Downloaded once: the init and the key check read the cached copy.
    assert file_server.transfers('mae_pretrain_vit_tiny.pth') == [None]


@pytest.mark.parametrize(
    'config',
    [
        'configs/det/mimae_vit-base-p16_mask-rcnn_simplefpn_16xb4-lsj-100e_'
        'coco.py',
        'configs/seg/mimae_vit-base-p16_upernet_8xb2-amp-160k_ade20k-512x512.py'  # noqa: E501
    ],
    ids=['det', 'seg'])
def test_the_official_vit_b_layout_matches_the_full_size_configs(
        config, tmp_path):
    """mae_pretrain_vit_base.pth is {'model': timm ViT-B/16 keys} (no head,
    final 'norm'); its key names, and so its strict check, are built here
    from timm's ViT-B, since the file itself cannot be downloaded."""
    import timm
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from tests_support import REPO_ROOT

    from mimae.engine import StrictPretrainedHook
    from mimae.engine.pretrained_init import init_from_pretrained
    with torch.device('meta'):
        names = timm.models.vision_transformer.VisionTransformer(
            img_size=224,
            patch_size=16,
            embed_dim=768,
            depth=12,
            num_heads=12,
            num_classes=0,
            global_pool='token').state_dict()
    path = str(tmp_path / 'mae_pretrain_vit_base.pth')
    # Right shapes, one element of storage each (the file stays tiny).
    official = {k: torch.zeros(1).expand(v.shape) for k, v in names.items()}
    torch.save({'model': official}, path)
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    cfg.model.backbone.init_cfg.checkpoint = path
    scope = cfg.default_scope
    import mimae.models.necks  # noqa: F401  (SimpleFPN, for det)
    __import__(f'{scope}.utils').utils.register_all_modules(False)
    registry = __import__(f'{scope}.registry', fromlist=['MODELS']).MODELS
    with DefaultScope.overwrite_default_scope(scope), torch.device('meta'):
        model = registry.build(cfg.model)
    # The backbone's own init_cfg, as init_weights() applies it.
    init_from_pretrained(model.backbone, path, 'backbone.')
    [line] = StrictPretrainedHook().check(model)
    # 150 timm tensors, less the final norm's 2 that these heads drop.
    assert line.startswith(f'backbone: all 148 tensors loaded from {path}')


def test_a_missing_default_checkpoint_says_how_to_get_or_set_one(zoo_cache):
    from mimae.zoo import resolve
    demo = 'work_dirs/demo/pretrain/mi-mae/v8/seed0/work/no_such_epoch.pth'
    with pytest.raises(FileNotFoundError) as error:
        resolve(demo)
    message = str(error.value)
    assert message.startswith(f'checkpoint {demo} can not be found')
    assert '`make demo` writes it' in message
    assert 'model.backbone.init_cfg.checkpoint=PATH|URL|NAME' in message
    with pytest.raises(FileNotFoundError) as error:
        resolve('/elsewhere/epoch_2.pth')
    assert 'make demo' not in str(error.value)
