"""Digit scenes in the COCO and ADE20K layouts, read by mmdet and mmseg."""
import json
import os.path as osp

import numpy as np
from mimae.dataset_builders import (build_digit_scenes_ade20k,
                                    build_digit_scenes_coco, make_scene)
from PIL import Image


def test_coco_scenes_are_read_by_mmdet(tmp_path):
    root = str(tmp_path / 'coco')
    counts = build_digit_scenes_coco(root, num_train=6, num_val=3)
    assert counts == dict(train=6, val=3)
    with open(osp.join(root, 'annotations', 'instances_train2017.json')) as f:
        coco = json.load(f)
    assert [c['name'] for c in coco['categories']] == [
        f'digit_{i}' for i in range(10)]
    per_image = np.bincount([a['image_id'] for a in coco['annotations']])
    assert set(per_image[per_image > 0]) <= {1, 2}
    for ann in coco['annotations']:
        x, y, w, h = ann['bbox']
        assert 0 <= x and x + w <= 32 and 0 <= y and y + h <= 32
        # Polygons lie inside the box; the area is the ink's pixel count.
        xy = np.concatenate([np.reshape(p, (-1, 2))
                             for p in ann['segmentation']])
        assert (xy[:, 0] >= x).all() and (xy[:, 0] <= x + w).all()
        assert 0 < ann['area'] <= w * h
    from mmdet.datasets import CocoDataset
    dataset = CocoDataset(
        data_root=root, ann_file='annotations/instances_val2017.json',
        data_prefix=dict(img='val2017/'),
        metainfo=dict(classes=[f'digit_{i}' for i in range(10)]),
        pipeline=[])
    assert len(dataset) == 3
    assert all(0 <= inst['bbox_label'] < 10
               for item in dataset for inst in item['instances'])
    # Repeating the call keeps what is there.
    assert build_digit_scenes_coco(root, num_train=6, num_val=3) == counts


def test_ade_labels_mark_each_digit_region_with_its_class(tmp_path):
    root = str(tmp_path / 'ade')
    build_digit_scenes_ade20k(root, num_train=4, num_val=2)
    label = np.asarray(Image.open(osp.join(
        root, 'annotations', 'training', 'ADE_train_00000001.png')))
    image = Image.open(osp.join(root, 'images', 'training',
                                'ADE_train_00000001.jpg'))
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
    from sklearn.datasets import load_digits
    split = digits_split()
    assert not set(split['train']) & set(split['val'])
    digits = load_digits()
    rng = np.random.default_rng(0)
    val = split['val']
    img, objects = make_scene(
        rng, [np.full((100, 100, 3), 40, np.uint8)], digits.images[val],
        digits.target[val], (64, 64), (3, 3), (22, 32))
    assert img.shape == (64, 64, 3) and len(objects) >= 1
    masks = np.stack([m for _, m in objects])
    assert masks.sum(0).max() == 1  # digits never overlap
    # Ink on a dark photo is drawn white.
    assert img[masks.any(0)].mean() > 150 > img[~masks.any(0)].mean()


def test_dimmed_photo_puts_white_ink_on_dark_ground_as_in_pretraining():
    from sklearn.datasets import load_digits
    digits = load_digits()
    bright = [np.full((100, 100, 3), 200, np.uint8)]
    img, objects = make_scene(
        np.random.default_rng(0), bright, digits.images, digits.target,
        (64, 64), (2, 2), (28, 28), background_brightness=0.25)
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
            idx = {int(line.split()[0].split('_')[-1].split('.')[0])
                   for line in f}
        assert idx == set(sweep[name])
