import json
import os
import os.path as osp

import numpy as np
import pytest
from mimae.dataset_builders.tiny_coco import TINY_COCO_CLASSES, build_tiny_coco
from PIL import Image

# pycocotools 2.0 decodes masks with numpy 1 semantics; not ours to fix.
pytestmark = pytest.mark.filterwarnings(
    'ignore:__array__ implementation:DeprecationWarning')


@pytest.fixture(scope='module')
def coco_root(tmp_path_factory) -> str:
    root = str(tmp_path_factory.mktemp('tiny_coco'))
    assert build_tiny_coco(root) == {'train': 4, 'val': 2}
    return root


def _load(root: str, split: str) -> dict:
    path = osp.join(root, 'annotations', f'instances_{split}2017.json')
    with open(path) as f:
        return json.load(f)


def test_coco_layout(coco_root):
    assert sorted(os.listdir(coco_root)) == [
        'annotations', 'train2017', 'val2017'
    ]
    assert sorted(os.listdir(osp.join(coco_root, 'annotations'))) == [
        'instances_train2017.json', 'instances_val2017.json'
    ]
    for split, num in (('train', 4), ('val', 2)):
        coco = _load(coco_root, split)
        files = sorted(os.listdir(osp.join(coco_root, f'{split}2017')))
        assert files == sorted(img['file_name'] for img in coco['images'])
        assert len(files) == num
        for img in coco['images']:
            assert img['file_name'] == f"{img['id']:012d}.jpg"
            with Image.open(osp.join(coco_root, f'{split}2017',
                                     img['file_name'])) as im:
                assert im.format == 'JPEG' and im.mode == 'RGB'
                assert im.size == (img['width'], img['height']) == (128, 96)
    ids = [i['id'] for s in ('train', 'val') for i in _load(coco_root, s)
           ['images']]
    assert len(set(ids)) == len(ids)  # unique across splits, as in COCO


def test_pycocotools_loads_consistent_annotations(coco_root):
    from pycocotools.coco import COCO
    for split in ('train', 'val'):
        coco = COCO(osp.join(coco_root, 'annotations',
                             f'instances_{split}2017.json'))
        assert [c['name'] for c in coco.loadCats(coco.getCatIds())
                ] == list(TINY_COCO_CLASSES)
        for img_id in coco.getImgIds():
            anns = coco.loadAnns(coco.getAnnIds(imgIds=img_id))
            assert 1 <= len(anns) <= 3
            img = coco.loadImgs(img_id)[0]
            for ann in anns:
                assert ann['iscrowd'] == 0
                assert ann['category_id'] in (1, 2, 3)
                poly = np.array(ann['segmentation'][0]).reshape(-1, 2)
                assert len(poly) >= 3
                x, y, w, h = ann['bbox']
                # The box is the polygon's tight box and inside the image.
                np.testing.assert_allclose(
                    [x, y, x + w, y + h],
                    [*poly.min(0), *poly.max(0)])
                assert 0 <= x and x + w <= img['width']
                assert 0 <= y and y + h <= img['height']
                assert 0 < ann['area'] <= w * h
                # The rasterised polygon covers about its area.
                mask = coco.annToMask(ann)
                assert abs(mask.sum() - ann['area']) <= 0.2 * ann['area']


def test_mmdet_coco_dataset_reads_it(coco_root):
    from mmdet.datasets import CocoDataset
    dataset = CocoDataset(
        data_root=coco_root,
        ann_file='annotations/instances_val2017.json',
        data_prefix=dict(img='val2017/'),
        metainfo=dict(classes=TINY_COCO_CLASSES),
        pipeline=[],
        test_mode=True)
    assert len(dataset) == 2
    coco = _load(coco_root, 'val')
    info = dataset[0]
    assert osp.isfile(info['img_path'])
    boxes = [a['bbox'] for a in coco['annotations']
             if a['image_id'] == info['img_id']]
    assert len(info['instances']) == len(boxes)
    for inst, (x, y, w, h) in zip(info['instances'], boxes):
        assert inst['bbox'] == [x, y, x + w, y + h]
        assert inst['bbox_label'] in (0, 1, 2)
        assert inst['ignore_flag'] == 0


def test_images_are_real_photos_with_digits(coco_root):
    coco = _load(coco_root, 'train')
    for img_info in coco['images']:
        img = np.asarray(
            Image.open(osp.join(coco_root, 'train2017',
                                img_info['file_name'])), dtype=np.float64)
        assert img.std() > 10  # not blank
        # Neighbouring pixels of a photo are alike; of noise they are not.
        grey = img.mean(-1)
        corr = np.corrcoef(grey[:, :-1].ravel(), grey[:, 1:].ravel())[0, 1]
        assert corr > 0.8
    # Every annotated object holds its digit's ink: full-strength strokes
    # are white (on dark photo parts) or black (on light ones).
    from pycocotools.coco import COCO
    api = COCO(osp.join(coco_root, 'annotations', 'instances_train2017.json'))
    for ann in api.loadAnns(api.getAnnIds()):
        img_info = api.loadImgs(ann['image_id'])[0]
        img = np.asarray(
            Image.open(osp.join(coco_root, 'train2017',
                                img_info['file_name'])))
        pixels = img[api.annToMask(ann).astype(bool)]
        assert (pixels.min(1) >= 190).any() or (pixels.max(1) <= 65).any()


def test_same_seed_same_files(coco_root, tmp_path):
    build_tiny_coco(str(tmp_path))
    for split in ('train', 'val'):
        assert _load(str(tmp_path), split) == _load(coco_root, split)
    name = _load(coco_root, 'val')['images'][0]['file_name']
    assert np.array_equal(
        np.asarray(Image.open(osp.join(coco_root, 'val2017', name))),
        np.asarray(Image.open(osp.join(str(tmp_path), 'val2017', name))))


def test_second_build_keeps_existing_files(coco_root):
    ann = osp.join(coco_root, 'annotations', 'instances_train2017.json')
    mtime = os.stat(ann).st_mtime_ns
    # Existing splits are kept as they are, so their counts are reported.
    assert build_tiny_coco(coco_root, num_train=6) == {'train': 4, 'val': 2}
    assert os.stat(ann).st_mtime_ns == mtime
    assert not any(f.endswith('.tmp') for f in os.listdir(
        osp.join(coco_root, 'annotations')))
