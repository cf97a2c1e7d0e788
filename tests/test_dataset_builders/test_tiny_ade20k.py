import os
import os.path as osp

import numpy as np
import pytest
from mimae.dataset_builders.tiny_ade20k import build_tiny_ade20k
from PIL import Image

SPLITS = (('training', 'ADE_train', 4), ('validation', 'ADE_val', 2))


@pytest.fixture(scope='module')
def ade_root(tmp_path_factory) -> str:
    root = osp.join(str(tmp_path_factory.mktemp('ade')),
                    'ADEChallengeData2016')
    assert build_tiny_ade20k(root) == {'train': 4, 'val': 2}
    return root


def test_ade20k_layout_and_names(ade_root):
    assert sorted(os.listdir(ade_root)) == ['annotations', 'images']
    for folder, prefix, num in SPLITS:
        names = [f'{prefix}_{i:08d}' for i in range(1, num + 1)]
        assert sorted(os.listdir(osp.join(ade_root, 'images', folder))) == [
            n + '.jpg' for n in names
        ]
        assert sorted(os.listdir(osp.join(ade_root, 'annotations',
                                          folder))) == [n + '.png'
                                                        for n in names]


def test_labels_match_images(ade_root):
    for folder, prefix, num in SPLITS:
        for i in range(1, num + 1):
            name = f'{prefix}_{i:08d}'
            with Image.open(osp.join(ade_root, 'images', folder,
                                     name + '.jpg')) as img:
                assert img.format == 'JPEG' and img.mode == 'RGB'
                size = img.size
            with Image.open(osp.join(ade_root, 'annotations', folder,
                                     name + '.png')) as seg:
                assert seg.format == 'PNG' and seg.mode == 'L'
                assert seg.size == size == (128, 96)
                label = np.asarray(seg)
            assert label.dtype == np.uint8
            assert label.max() <= 150
            assert 0 in label  # some "other" pixels
            assert len(np.unique(label)) >= 3


# mmseg 1.x warns that the transform's own reduce_zero_label will move to the
# dataset; the transform is what this test runs.
@pytest.mark.filterwarnings('ignore:`reduce_zero_label` will be deprecated')
def test_mmseg_ade20k_dataset_reduces_zero_label(ade_root):
    from mmseg.datasets import ADE20KDataset
    from mmseg.datasets.transforms import LoadAnnotations
    dataset = ADE20KDataset(
        data_root=ade_root,
        data_prefix=dict(
            img_path='images/validation',
            seg_map_path='annotations/validation'),
        pipeline=[])
    assert len(dataset) == 2
    results = LoadAnnotations(reduce_zero_label=True)(dataset[0])
    seg = results['gt_seg_map']
    assert seg.shape == (96, 128)
    values = set(np.unique(seg).tolist())
    assert 255 in values
    assert values <= set(range(150)) | {255}
    raw = np.asarray(Image.open(dataset[0]['seg_map_path']))
    np.testing.assert_array_equal(seg == 255, raw == 0)
    np.testing.assert_array_equal(seg[raw > 0], raw[raw > 0] - 1)


def test_images_are_real_photos(ade_root):
    for folder, prefix, _ in SPLITS:
        img = np.asarray(
            Image.open(
                osp.join(ade_root, 'images', folder,
                         f'{prefix}_00000001.jpg')), dtype=np.float64)
        assert img.std() > 10  # not blank
        # Neighbouring pixels of a photo are alike; of noise they are not.
        grey = img.mean(-1)
        corr = np.corrcoef(grey[:-1].ravel(), grey[1:].ravel())[0, 1]
        assert corr > 0.8
        # The labels follow the picture: brighter classes, brighter pixels.
        label = np.asarray(
            Image.open(
                osp.join(ade_root, 'annotations', folder,
                         f'{prefix}_00000001.png')))
        means = [grey[label == c].mean() for c in range(1, 6)
                 if (label == c).any()]
        assert means == sorted(means)


def test_same_seed_same_files(ade_root, tmp_path):
    build_tiny_ade20k(str(tmp_path))
    for sub in ('images/validation/ADE_val_00000002.jpg',
                'annotations/training/ADE_train_00000004.png'):
        assert np.array_equal(
            np.asarray(Image.open(osp.join(ade_root, sub))),
            np.asarray(Image.open(osp.join(str(tmp_path), sub))))


def test_second_build_keeps_existing_files(ade_root):
    last = osp.join(ade_root, 'annotations', 'training',
                    'ADE_train_00000004.png')
    mtime = os.stat(last).st_mtime_ns
    assert build_tiny_ade20k(ade_root) == {'train': 4, 'val': 2}
    assert os.stat(last).st_mtime_ns == mtime
