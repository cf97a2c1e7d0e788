"""mimae/runner_config.py: --cfg-options keys are checked before merging."""
import os.path as osp

import pytest
from mmengine.config import Config
from tests_support import REPO_ROOT

from mimae.runner_config import UnknownOptionError, checked_cfg_options

TINY = osp.join(REPO_ROOT, 'configs', 'pretrain',
                'mimae_vit-tiny-p4_1xb64-coslr-20e_digits.py')


@pytest.fixture(scope='module')
def cfg():
    return Config.fromfile(TINY)


@pytest.mark.parametrize(
    'key, closest',
    [('trian_cfg.max_epochs', "closest: ['train_cfg'"),
     ('default_hooks.checkpoint.intervl',
      "closest: ['default_hooks.checkpoint.interval'"),
     ('model.backbone.drop_pth_rate',
      "closest: ['model.backbone.drop_path_rate'"),
     ('custom_hooks.7.skip', 'custom_hooks is a list of 3 items')])
def test_a_misspelt_key_is_refused_with_the_closest_keys(cfg, key, closest):
    with pytest.raises(UnknownOptionError) as error:
        checked_cfg_options(cfg, {key: 1})
    message = str(error.value)
    assert f'{key}: ' in message and closest in message, message
    assert 'write +KEY=VALUE' in message


def test_keys_the_config_or_its_classes_take_are_accepted(cfg):
    options = {
        'train_cfg.max_epochs': 1,  # in the config
        # Arguments of the classes the config names, left at defaults:
        'default_hooks.checkpoint.by_epoch': False,  # CheckpointHook
        'model.backbone.drop_path_rate': 0.1,  # MMPretrain's ViT (kwargs)
        'custom_hooks.1.skip': True,  # a list item by index
        'work_dir': 'elsewhere',  # a Runner argument
        'model.mi_max_head': None,
    }
    assert checked_cfg_options(cfg, options) == options


def test_a_plus_marks_a_deliberate_new_key(cfg):
    assert checked_cfg_options(cfg, {'+my_note.text': 'x'}) == {
        'my_note.text': 'x'
    }


def test_train_tool_refuses_a_typo_before_building(tmp_path):
    """tools/train.py (and tools/test.py, which shares the check)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'train_tool', osp.join(REPO_ROOT, 'tools', 'train.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    args = tool.parse_args([
        TINY, '--work-dir',
        str(tmp_path), '--cfg-options', 'trian_cfg.max_epochs=1'
    ])
    with pytest.raises(UnknownOptionError, match='trian_cfg.max_epochs'):
        tool.merge_args(Config.fromfile(TINY), args)
