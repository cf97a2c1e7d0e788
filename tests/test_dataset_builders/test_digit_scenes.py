"""Digit scenes in the COCO and ADE20K layouts, read by mmdet and mmseg."""
import json
import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from mimae.dataset_builders import (build_digit_scenes_ade20k,
                                    build_digit_scenes_coco, make_scene)
from mimae.dataset_builders.digit_scenes import scan_split

# Small non-square scenes of three digits, as the transfer tests build them.
SMALL = dict(num_train=4, num_val=2, classes=(0, 1, 2), img_size=(96, 128))


@pytest.fixture(scope='module')
def coco_root(tmp_path_factory) -> str:
    root = str(tmp_path_factory.mktemp('coco'))
    assert build_digit_scenes_coco(root, **SMALL) == {'train': 4, 'val': 2}
    return root


@pytest.fixture(scope='module')
def ade_root(tmp_path_factory) -> str:
    root = osp.join(
        str(tmp_path_factory.mktemp('ade')), 'ADEChallengeData2016')
    assert build_digit_scenes_ade20k(root, **SMALL) == {'train': 4, 'val': 2}
    return root


def _coco(root: str, split: str) -> dict:
    with open(osp.join(root, 'annotations',
                       f'instances_{split}2017.json')) as f:
        return json.load(f)


def test_coco_layout_and_file_names(coco_root):
    assert sorted(
        os.listdir(coco_root)) == ['annotations', 'train2017', 'val2017']
    for split, num in (('train', 4), ('val', 2)):
        coco = _coco(coco_root, split)
        files = sorted(os.listdir(osp.join(coco_root, f'{split}2017')))
        assert files == sorted(img['file_name'] for img in coco['images'])
        assert len(files) == num
        for img in coco['images']:
            assert img['file_name'] == f"{img['id']:012d}.jpg"
            with Image.open(
                    osp.join(coco_root, f'{split}2017',
                             img['file_name'])) as im:
                assert im.format == 'JPEG' and im.mode == 'RGB'
                assert im.size == (img['width'], img['height']) == (128, 96)
        assert [c['name'] for c in coco['categories']
                ] == ['digit_0', 'digit_1', 'digit_2']
    ids = [
        i['id'] for s in ('train', 'val')
        for i in _coco(coco_root, s)['images']
    ]
    assert len(set(ids)) == len(ids)  # unique across splits, as in COCO


# pycocotools 2.0 decodes masks with numpy 1 semantics; not ours to fix.
@pytest.mark.filterwarnings(
    'ignore:__array__ implementation:DeprecationWarning')
def test_pycocotools_masks_match_the_annotated_areas(coco_root):
    from pycocotools.coco import COCO
    api = COCO(osp.join(coco_root, 'annotations', 'instances_train2017.json'))
    anns = api.loadAnns(api.getAnnIds())
    assert anns and {a['category_id'] for a in anns} <= {1, 2, 3}
    for ann in anns:
        mask = api.annToMask(ann)
        # The polygons run through the centres of the ink's outer pixels,
        # so rasterised they lose half a pixel along every stroke: 64-90%
        # of the ink's pixel count for 20 scenes (more where they fill the
        # hole of a 0 or a 6).
        assert mask.sum() >= 0.5 * ann['area']
        x, y, w, h = ann['bbox']
        ys, xs = np.nonzero(mask)
        assert x - 1 <= xs.min() and xs.max() <= x + w
        assert y - 1 <= ys.min() and ys.max() <= y + h


def test_ade_layout_and_file_names(ade_root):
    assert sorted(os.listdir(ade_root)) == ['annotations', 'images']
    for folder, prefix, num in (('training', 'ADE_train', 4), ('validation',
                                                               'ADE_val', 2)):
        names = [f'{prefix}_{i:08d}' for i in range(1, num + 1)]
        assert sorted(os.listdir(osp.join(
            ade_root, 'images', folder))) == [n + '.jpg' for n in names]
        assert sorted(os.listdir(osp.join(
            ade_root, 'annotations', folder))) == [n + '.png' for n in names]
        for name in names:
            with Image.open(
                    osp.join(ade_root, 'annotations', folder,
                             name + '.png')) as seg:
                assert seg.format == 'PNG' and seg.mode == 'L'
                assert seg.size == (128, 96)


# mmseg 1.x warns that the transform's own reduce_zero_label will move to the
# dataset; the transform is what this test runs.
@pytest.mark.filterwarnings('ignore:`reduce_zero_label` will be deprecated')
def test_mmseg_ignores_the_background_after_reduce_zero_label(ade_root):
    from mmseg.datasets import ADE20KDataset
    from mmseg.datasets.transforms import LoadAnnotations
    dataset = ADE20KDataset(
        data_root=ade_root,
        data_prefix=dict(
            img_path='images/validation',
            seg_map_path='annotations/validation'),
        pipeline=[])
    assert len(dataset) == 2
    seg = LoadAnnotations(reduce_zero_label=True)(dataset[0])['gt_seg_map']
    raw = np.asarray(Image.open(dataset[0]['seg_map_path']))
    assert seg.shape == raw.shape == (96, 128)
    assert set(np.unique(seg)) <= {0, 1, 2, 255} and 255 in seg
    np.testing.assert_array_equal(seg == 255, raw == 0)
    np.testing.assert_array_equal(seg[raw > 0], raw[raw > 0] - 1)


def test_same_seed_same_files(coco_root, ade_root, tmp_path):
    build_digit_scenes_coco(str(tmp_path / 'coco'), **SMALL)
    for split in ('train', 'val'):
        assert _coco(str(tmp_path / 'coco'), split) == _coco(coco_root, split)
    name = _coco(coco_root, 'val')['images'][0]['file_name']
    ade = str(tmp_path / 'ade')
    build_digit_scenes_ade20k(ade, **SMALL)
    for ours, theirs in ((osp.join(coco_root, 'val2017', name),
                          str(tmp_path / 'coco' / 'val2017' / name)),
                         (osp.join(
                             ade_root,
                             'annotations/training/ADE_train_00000004.png'),
                          osp.join(
                              ade,
                              'annotations/training/ADE_train_00000004.png'))):
        assert np.array_equal(
            np.asarray(Image.open(ours)), np.asarray(Image.open(theirs)))


def test_second_build_keeps_existing_files(coco_root, ade_root):
    kept = [
        osp.join(coco_root, 'annotations', 'instances_train2017.json'),
        osp.join(ade_root, 'annotations', 'training', 'ADE_train_00000004.png')
    ]
    mtimes = [os.stat(p).st_mtime_ns for p in kept]
    # An existing COCO split is kept as it is, so its count is reported.
    assert build_digit_scenes_coco(coco_root, **dict(SMALL, num_train=6)) == {
        'train': 4,
        'val': 2
    }
    assert build_digit_scenes_ade20k(ade_root, **SMALL) == {
        'train': 4,
        'val': 2
    }
    assert [os.stat(p).st_mtime_ns for p in kept] == mtimes
    assert not any(
        f.endswith('.tmp')
        for f in os.listdir(osp.join(coco_root, 'annotations')))


def test_coco_scenes_are_read_by_mmdet(tmp_path):
    root = str(tmp_path / 'coco')
    counts = build_digit_scenes_coco(root, num_train=6, num_val=3)
    assert counts == dict(train=6, val=3)
    with open(osp.join(root, 'annotations', 'instances_train2017.json')) as f:
        coco = json.load(f)
    assert [c['name']
            for c in coco['categories']] == [f'digit_{i}' for i in range(10)]
    per_image = np.bincount([a['image_id'] for a in coco['annotations']])
    assert set(per_image[per_image > 0]) <= {1, 2}
    for ann in coco['annotations']:
        x, y, w, h = ann['bbox']
        assert 0 <= x and x + w <= 32 and 0 <= y and y + h <= 32
        # Polygons lie inside the box; the area is the ink's pixel count.
        xy = np.concatenate(
            [np.reshape(p, (-1, 2)) for p in ann['segmentation']])
        assert (xy[:, 0] >= x).all() and (xy[:, 0] <= x + w).all()
        assert 0 < ann['area'] <= w * h
    from mmdet.datasets import CocoDataset
    dataset = CocoDataset(
        data_root=root,
        ann_file='annotations/instances_val2017.json',
        data_prefix=dict(img='val2017/'),
        metainfo=dict(classes=[f'digit_{i}' for i in range(10)]),
        pipeline=[])
    assert len(dataset) == 3
    assert all(0 <= inst['bbox_label'] < 10 for item in dataset
               for inst in item['instances'])
    # Repeating the call keeps what is there.
    assert build_digit_scenes_coco(root, num_train=6, num_val=3) == counts


def test_ade_labels_mark_each_digit_region_with_its_class(tmp_path):
    root = str(tmp_path / 'ade')
    build_digit_scenes_ade20k(root, num_train=4, num_val=2)
    label = np.asarray(
        Image.open(
            osp.join(root, 'annotations', 'training',
                     'ADE_train_00000001.png')))
    image = Image.open(
        osp.join(root, 'images', 'training', 'ADE_train_00000001.jpg'))
    assert label.shape == image.size[::-1] == (32, 32)
    values = set(np.unique(label))
    assert 0 in values and values <= set(range(11)) and len(values) >= 2
    # The same scene as the COCO builder's (same seed): its digits' classes.
    coco_root = str(tmp_path / 'coco')
    build_digit_scenes_coco(coco_root, num_train=1, num_val=0)
    with open(osp.join(coco_root, 'annotations',
                       'instances_train2017.json')) as f:
        digits = {a['category_id'] - 1 for a in json.load(f)['annotations']}
    assert values - {0} == {1 + d for d in digits}


def test_train_and_val_scenes_use_disjoint_scans():
    from mimae.dataset_builders.digits import digits_split
    split = digits_split()
    assert not set(split['train']) & set(split['val'])
    rng = np.random.default_rng(0)
    scans, labels = scan_split('digits', 'val', sweep=False)
    assert len(scans) == len(split['val'])
    img, objects = make_scene(rng, [np.full((100, 100, 3), 40, np.uint8)],
                              scans, labels, (64, 64), (3, 3), (22, 32))
    assert img.shape == (64, 64, 3) and len(objects) >= 1
    masks = np.stack([m for _, m in objects])
    assert masks.sum(0).max() == 1  # digits never overlap
    # Ink on a dark photo is drawn white.
    assert img[masks.any(0)].mean() > 150 > img[~masks.any(0)].mean()


def test_dimmed_photo_puts_white_ink_on_dark_ground_as_in_pretraining():
    scans, labels = scan_split('digits', 'train', sweep=False)
    bright = [np.full((100, 100, 3), 200, np.uint8)]
    img, objects = make_scene(
        np.random.default_rng(0),
        bright,
        scans,
        labels, (64, 64), (2, 2), (28, 28),
        background_brightness=0.25)
    ink = np.stack([m for _, m in objects]).any(0)
    assert np.median(img[~ink]) == 50  # faint ink edges aside
    assert img[ink].mean() > 150


def test_sweep_scenes_draw_from_the_train_split_only(tmp_path):
    from mimae.dataset_builders import build_digits_imagenet
    from mimae.dataset_builders.digits import digits_split
    split, sweep = digits_split(), digits_split(sweep=True)
    assert set(sweep['train']) | set(sweep['val']) == set(split['train'])
    assert not set(sweep['train']) & set(sweep['val'])
    # The same halves as the digits' meta/sweep_*.txt.
    build_digits_imagenet(str(tmp_path))
    for name in ('train', 'val'):
        with open(tmp_path / 'meta' / f'sweep_{name}.txt') as f:
            idx = {
                int(line.split()[0].split('_')[-1].split('.')[0])
                for line in f
            }
        assert idx == set(sweep[name])


@pytest.mark.parametrize('objects', ['digits', 'mnist'])
def test_scans_come_from_the_matching_pretraining_split(objects):
    scans = {}
    for split in ('train', 'val'):
        scans[split], labels = scan_split(objects, split, sweep=False)
        assert scans[split].dtype == np.uint8 and len(labels) == len(
            scans[split])
        assert scans[split].max() == 255 and set(labels) == set(range(10))
    size = {'digits': 8, 'mnist': 28}[objects]
    assert scans['train'].shape[1:] == (size, size)
    # No val scan is a train scan (compared as bytes).
    train = {s.tobytes() for s in scans['train']}
    assert not any(s.tobytes() in train for s in scans['val'])


def test_mnist_scenes_name_their_source_and_refuse_unknown_objects(tmp_path):
    root = str(tmp_path / 'coco')
    build_digit_scenes_coco(root, num_train=2, num_val=1, objects='mnist')
    assert _coco(root, 'val')['info']['description'].startswith(
        'mimae digit scenes (mnist scans')
    assert len(_coco(root, 'train')['images']) == 2
    with pytest.raises(ValueError, match="objects='emnist'"):
        build_digit_scenes_coco(str(tmp_path / 'x'), objects='emnist')
    with pytest.raises(ValueError, match="objects='emnist'"):
        build_digit_scenes_ade20k(str(tmp_path / 'y'), objects='emnist')
