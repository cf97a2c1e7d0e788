import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from mimae.dataset_builders import (DIGIT_CLASSES, build_mnist_imagenet,
                                    load_mnist_5k, mnist_split)
from mimae.dataset_builders.mnist import place_scans

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SUBSETS = ('train_10shot', 'train_10percent', 'sweep_train', 'sweep_val',
           'sweep_train_10shot', 'sweep_train_10percent')


@pytest.fixture(scope='module')
def mnist_root(tmp_path_factory) -> str:
    root = str(tmp_path_factory.mktemp('mnist'))
    assert build_mnist_imagenet(root) == {'train': 4000, 'val': 1000}
    return root


def _ann(root: str, name: str) -> list:
    with open(osp.join(root, 'meta', f'{name}.txt')) as f:
        return [(path, int(label)) for path, label in map(str.split, f)]


def _per_class(items: list) -> list:
    return np.bincount([label for _, label in items], minlength=10).tolist()


def _index(path: str) -> int:
    return int(osp.splitext(osp.basename(path))[0].rsplit('_', 1)[1])


def test_load_mnist_5k():
    images, labels = load_mnist_5k()
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [500] * 10
    # White strokes on black, the full 8-bit range.
    assert images.max() == 255 and np.median(images) == 0
    # Copies: the caller cannot change the cached scans.
    images[0] = 7
    assert not (load_mnist_5k()[0][0] == 7).all()


def test_imagenet_layout(mnist_root):
    for split in ('train', 'val'):
        assert sorted(os.listdir(osp.join(mnist_root,
                                          split))) == list(DIGIT_CLASSES)
    for name in ('train', 'val') + SUBSETS:
        split = 'val' if name == 'val' else 'train'
        for path, label in _ann(mnist_root, name):
            assert path.split('/')[0] == DIGIT_CLASSES[label]
            assert osp.isfile(osp.join(mnist_root, split, path))


def test_splits_are_disjoint_stratified_and_nested(mnist_root):
    ann = {name: _ann(mnist_root, name) for name in ('train', 'val') + SUBSETS}
    counts = {name: _per_class(items) for name, items in ann.items()}
    assert counts['train'] == [400] * 10 and counts['val'] == [100] * 10
    assert counts['train_10shot'] == [10] * 10
    assert counts['sweep_train_10shot'] == [10] * 10
    assert counts['train_10percent'] == [40] * 10
    assert counts['sweep_val'] == [80] * 10
    assert counts['sweep_train'] == [320] * 10
    paths = {name: {p for p, _ in items} for name, items in ann.items()}
    assert not paths['train'] & paths['val']
    assert paths['train'] | paths['val'] == {
        f'{DIGIT_CLASSES[label]}/{DIGIT_CLASSES[label]}_{i:04d}.png'
        for i, label in enumerate(load_mnist_5k()[1])
    }
    assert not paths['sweep_train'] & paths['sweep_val']
    assert paths['sweep_train'] | paths['sweep_val'] == paths['train']
    for name in ('train_10shot', 'train_10percent'):
        assert paths[name] <= paths['train']
    for name in ('sweep_train_10shot', 'sweep_train_10percent'):
        assert paths[name] <= paths['sweep_train']


def test_split_is_seeded():
    assert mnist_split(seed=0) == mnist_split(seed=0)
    assert mnist_split(seed=0)['val'] != mnist_split(seed=1)['val']


def test_images_are_the_padded_scans(mnist_root):
    images, labels = load_mnist_5k()
    path, label = _ann(mnist_root, 'val')[0]
    idx = _index(path)
    img = np.asarray(Image.open(osp.join(mnist_root, 'val', path)))
    assert img.shape == (32, 32, 3) and img.dtype == np.uint8
    assert labels[idx] == label
    # Lossless: the scan itself, centred, on black borders.
    assert (img == img[..., :1]).all()
    np.testing.assert_array_equal(img[2:30, 2:30, 0], images[idx])
    assert img[:2].max() == img[30:].max() == 0
    assert img[:, :2].max() == img[:, 30:].max() == 0


def test_mmpretrain_reads_it(mnist_root):
    from mmpretrain.datasets import ImageNet
    shots = ImageNet(
        data_root=mnist_root,
        split='train',
        ann_file='meta/train_10shot.txt',
        metainfo=dict(classes=DIGIT_CLASSES),
        pipeline=[dict(type='LoadImageFromFile')])
    assert len(shots) == 100
    assert shots[0]['img'].shape == (32, 32, 3)


def test_second_build_keeps_existing_files(mnist_root):
    meta = osp.join(mnist_root, 'meta')
    mtimes = {
        f: os.stat(osp.join(meta, f)).st_mtime_ns
        for f in os.listdir(meta)
    }
    assert build_mnist_imagenet(mnist_root) == {'train': 4000, 'val': 1000}
    assert {
        f: os.stat(osp.join(meta, f)).st_mtime_ns
        for f in os.listdir(meta)
    } == mtimes


def test_img_size_is_never_below_the_scans(tmp_path):
    with pytest.raises(ValueError, match='at least 28'):
        build_mnist_imagenet(str(tmp_path), img_size=24)
    with pytest.raises(ValueError, match='digit_size=40'):
        build_mnist_imagenet(str(tmp_path), digit_size=40)
    assert not os.listdir(tmp_path)


def test_translated_scans_are_resized_and_placed_at_random():
    images = load_mnist_5k()[0][:200]
    placed = place_scans(images, 32, digit_size=24, seed=0)
    assert placed.shape == (200, 32, 32) and placed.dtype == np.uint8
    corners = []
    for img, scan in zip(placed, images):
        ys, xs = np.nonzero(img)
        # The ink fits a 24 px window; the window is the resized scan.
        assert np.ptp(ys) < 24 and np.ptp(xs) < 24
        small = np.asarray(
            Image.fromarray(scan).resize((24, 24), Image.BILINEAR))
        ok = [(y, x) for y in range(9) for x in range(9)
              if (img[y:y + 24,
                      x:x + 24] == small).all() and img.sum() == small.sum()]
        assert ok
        corners.append(ok[0])
    # Positions spread over the 9 x 9 possible offsets, seeded.
    assert len(set(corners)) > 40
    np.testing.assert_array_equal(
        placed, place_scans(images, 32, digit_size=24, seed=0))
    assert (placed != place_scans(images, 32, digit_size=24, seed=1)).any()
    # The default is the centred scan, unresized.
    np.testing.assert_array_equal(place_scans(images)[:, 2:30, 2:30], images)


def test_build_writes_the_translated_variant(tmp_path, monkeypatch):
    import mimae.dataset_builders.mnist as mnist
    small = {name: items[:3] for name, items in mnist_split().items()}
    monkeypatch.setattr(mnist, 'mnist_split', lambda *args: small)
    root = str(tmp_path)
    build_mnist_imagenet(root, digit_size=20)
    placed = place_scans(load_mnist_5k()[0], 32, digit_size=20)
    path, _ = _ann(root, 'val')[0]
    img = np.asarray(Image.open(osp.join(root, 'val', path)))
    np.testing.assert_array_equal(img[..., 0], placed[_index(path)])


MNIST_CONFIGS = [
    'configs/pretrain/mimae_vit-tiny-p4_1xb64-coslr-20e_mnist.py',
    'configs/cls/mimae_vit-tiny-p4_knn-k20_mnist.py',
    'configs/cls/mimae_vit-tiny-p4_knn-k20_mnist-10shot.py',
    'configs/cls/mimae_vit-tiny-p4_1xb128-linear-coslr-30e_mnist.py',
    'configs/cls/mimae_vit-tiny-p4_1xb100-linear-coslr-300e_mnist-10shot.py',
    'configs/pretrain/mimae_vit-tiny-p4_1xb64-coslr-20e_mnist-shift24.py',
    'configs/cls/mimae_vit-tiny-p4_knn-k20_mnist-shift24.py',
    'configs/cls/mimae_vit-tiny-p4_knn-k20_mnist-shift24-10shot.py',
    'configs/cls/'
    'mimae_vit-tiny-p4_1xb100-linear-coslr-300e_mnist-shift24-10shot.py',
]


@pytest.mark.parametrize('config', MNIST_CONFIGS)
def test_mnist_configs_load_and_build(config, mnist_root):
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    loaders = [
        cfg.get(key) for key in ('train_dataloader', 'test_dataloader')
        if cfg.get(key)
    ]
    if cfg.model.get('prototype'):
        loaders.append(cfg.model.prototype)
    for loader in loaders:
        expected_root = 'data/mnist-shift24/' if 'shift24' in config \
            else 'data/mnist/'
        assert loader.dataset.data_root == expected_root
        loader.dataset.data_root = mnist_root
        loader.num_workers = 0
        loader.persistent_workers = False
    if cfg.model.get('prototype'):
        shots = 'shot' in config
        ann_file = cfg.model.prototype.dataset.get('ann_file')
        assert (ann_file == 'meta/train_10shot.txt') == shots
    # No checkpoint: the structure is what is checked.
    for key in ('backbone', 'image_encoder'):
        if cfg.model.get(key):
            cfg.model[key].init_cfg = None
    # In a scope of its own: a default scope set for good would leak into
    # the tests that build mmdet and mmseg models.
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', 'mmpretrain')):
        model = MODELS.build(cfg.model)
        dataset = Runner.build_dataloader(loaders[0]).dataset
    assert type(model).__name__ == cfg.model.type
    if 'knn' in config:
        expected = 1000  # the queries: val
    elif 'shot' in config:
        expected = 100
    else:
        expected = 4000
    assert len(dataset) == expected
