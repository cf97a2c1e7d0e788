import os
import os.path as osp

import numpy as np
from mmpretrain.datasets import ImageNet
from PIL import Image

from mimae.dataset_builders import DIGIT_CLASSES, build_digits_imagenet


def test_imagenet_layout(digits_root):
    for split in ('train', 'val'):
        assert osp.isfile(osp.join(digits_root, 'meta', f'{split}.txt'))
        assert sorted(os.listdir(osp.join(digits_root,
                                          split))) == list(DIGIT_CLASSES)
    lines = open(osp.join(digits_root, 'meta', 'val.txt')).read().split('\n')
    path, label = lines[0].split()
    # As in ImageNet's meta files: relative to the split folder.
    assert path.endswith('.JPEG')
    assert path.split('/')[0] == DIGIT_CLASSES[int(label)]
    assert osp.isfile(osp.join(digits_root, 'val', path))


def test_mmpretrain_reads_it_with_labels(digits_root):
    train = ImageNet(
        data_root=digits_root,
        split='train',
        metainfo=dict(classes=DIGIT_CLASSES))
    val = ImageNet(
        data_root=digits_root,
        split='val',
        metainfo=dict(classes=DIGIT_CLASSES))
    assert len(train) + len(val) == 1797  # every scikit-learn digit
    assert len(val) == 359
    assert sorted(set(train.get_gt_labels().tolist())) == list(range(10))


def test_images_are_the_real_digits(digits_root):
    from sklearn.datasets import load_digits
    digits = load_digits()
    line = open(osp.join(digits_root, 'meta', 'train.txt')).readline()
    path, label = line.split()
    idx = int(osp.splitext(osp.basename(path))[0].rsplit('_', 1)[1])
    img = np.asarray(Image.open(osp.join(digits_root, 'train', path)))
    assert img.shape == (32, 32, 3)
    assert digits.target[idx] == int(label)
    # Downsampled back to 8 x 8 it is the scan it came from.
    small = np.asarray(Image.fromarray(img[..., 0]).resize((8, 8), Image.BOX))
    corr = np.corrcoef(small.ravel(), digits.images[idx].ravel())[0, 1]
    assert corr > 0.9


def test_second_build_keeps_existing_files(digits_root):
    ann = osp.join(digits_root, 'meta', 'train.txt')
    mtime = os.stat(ann).st_mtime_ns
    counts = build_digits_imagenet(digits_root)
    assert counts == {'train': 1438, 'val': 359}
    assert os.stat(ann).st_mtime_ns == mtime
