"""mimae/runner_config.py: --cfg-options keys are checked before merging."""
import os.path as osp

import pytest
from mmengine.config import Config
from tests_support import REPO_ROOT, load_tool

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
    tool = load_tool('tools/train.py')
    args = tool.parse_args([
        TINY, '--work-dir',
        str(tmp_path), '--cfg-options', 'trian_cfg.max_epochs=1'
    ])
    with pytest.raises(UnknownOptionError, match='trian_cfg.max_epochs'):
        tool.merge_args(Config.fromfile(TINY), args)


@pytest.mark.parametrize(
    'config, hook_keys',
    [('configs/cls/mimae_vit-tiny-p4_1xb64-coslr-10e_digits.py',
      dict(enable=True, out_dir='SHOW')),
     ('configs/det/mimae_vit-tiny-p4_mask-rcnn_simplefpn_1xb8-300i_'
      'mnist-scenes-32x32.py', dict(draw=True, test_out_dir='SHOW')),
     ('configs/seg/mimae_vit-tiny-p4_upernet_1xb8-300i_mnist-scenes-32x32.py',
      dict(draw=True))])
def test_show_dir_turns_on_the_scope_s_own_visualization_hook(
        config, hook_keys, tmp_path):
    """As the --show-dir of MMPretrain's, MMDet's and MMSeg's test tools;
    the hook still builds with those arguments."""
    from mmengine.registry import HOOKS, VISUALIZERS, DefaultScope

    from mimae.runner_config import add_show_dir
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    add_show_dir(cfg, 'SHOW')
    hook = cfg.default_hooks.visualization
    assert {k: hook[k] for k in hook_keys} == hook_keys
    if cfg.default_scope == 'mmseg':
        assert cfg.visualizer.save_dir == 'SHOW'
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        VISUALIZERS.build(
            dict(cfg.visualizer, name=str(tmp_path), save_dir=str(tmp_path)))
        HOOKS.build(dict(hook))


def test_tta_uses_the_config_s_or_is_refused():
    from mimae.runner_config import use_tta
    seg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', 'seg',
                 'mimae_vit-tiny-p4_upernet_1xb8-300i_mnist-scenes-32x32.py'))
    model = seg.model
    use_tta(seg)
    assert seg.model.type == seg.tta_model.type
    assert seg.model.module == model
    assert seg.test_dataloader.dataset.pipeline == seg.tta_pipeline
    cls = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', 'cls',
                 'mimae_vit-tiny-p4_1xb64-coslr-10e_digits.py'))
    with pytest.raises(
            ValueError,
            match='--tta: the config defines no tta_model or '
            'tta_pipeline'):
        use_tta(cls)


def test_test_tool_takes_show_dir_and_tta():
    tool = load_tool('tools/test.py')
    args = tool.parse_args(['cfg.py', 'ckpt.pth', '--show-dir', 'd', '--tta'])
    assert args.show_dir == 'd' and args.tta


def test_a_type_this_process_cannot_resolve_takes_any_key():
    """Its constructor's arguments are unknown here (a module imported
    later, a typo in the config itself): no key under it is refused."""
    cfg = Config(dict(model=dict(type='NotRegisteredAnywhere', depth=1)))
    assert checked_cfg_options(cfg, {'model.width': 2}) == {'model.width': 2}
    with pytest.raises(UnknownOptionError, match="closest: \\['model'\\]"):
        checked_cfg_options(cfg, {'modle.width': 2})
