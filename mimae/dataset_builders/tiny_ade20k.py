"""A tiny segmentation dataset in the ADE20K layout, built from a pip package.

:func:`build_tiny_ade20k` writes a handful of images in exactly the on-disk
layout of ``ADEChallengeData2016`` (the SceneParsing release that
MMSegmentation's ``ADE20KDataset`` reads)::

    ADEChallengeData2016/
    ├── images/{training,validation}/ADE_{train,val}_%08d.jpg
    └── annotations/{training,validation}/ADE_{train,val}_%08d.png

Images are real: crops of scikit-learn's two sample photos. Labels are
synthetic but follow the picture: classes 1-5 are the quintiles of the
blurred brightness, so a model can learn them, and one rectangle is 0
("other", ignored by ADE's ``reduce_zero_label``). Label maps are
single-channel uint8 PNGs with values in 0..150, as in ADE20K.
"""
import io
import os
import os.path as osp
from typing import Dict, Tuple

import numpy as np
from mmengine.fileio import put
from PIL import Image, ImageFilter

from .digit_scenes import photo_crop

# ADE20K class ids used (1-based; 0 is "other"). With reduce_zero_label they
# become 0..4 and 0 becomes 255.
TINY_ADE20K_LABELS = (1, 2, 3, 4, 5)

# (split, image folder, file name prefix), as in ADEChallengeData2016.
_SPLITS = (('train', 'training', 'ADE_train'),
           ('val', 'validation', 'ADE_val'))


def build_tiny_ade20k(root: str,
                      num_train: int = 4,
                      num_val: int = 2,
                      img_size: Tuple[int, int] = (96, 128),
                      seed: int = 0) -> Dict[str, int]:
    """Write a tiny ADE20K-style semantic segmentation dataset.

    Existing output is kept: a split whose last label map exists is not
    written again, so the call is cheap to repeat.

    Args:
        root (str): The ``ADEChallengeData2016`` folder itself.
        num_train (int): Images in ``training``. Defaults to 4.
        num_val (int): Images in ``validation``. Defaults to 2.
        img_size (Tuple[int, int]): ``(height, width)`` of every image and
            label map. Defaults to ``(96, 128)``.
        seed (int): Seed of everything random; the same seed gives the
            same files.

    Returns:
        Dict[str, int]: number of images per split, as on disk.
    """
    from sklearn.datasets import load_sample_images
    photos = load_sample_images().images
    counts = {}
    for split_idx, ((split, folder, prefix), num) in enumerate(
            zip(_SPLITS, (num_train, num_val))):
        names = [f'{prefix}_{i:08d}' for i in range(1, num + 1)]
        if not names or osp.isfile(
                osp.join(root, 'annotations', folder, names[-1] + '.png')):
            continue
        # One generator per split: val does not change when num_train does.
        rng = np.random.default_rng([seed, split_idx])
        for name in names:
            img = photo_crop(rng, photos, img_size)
            label = _make_label(rng, img)
            _save(img, osp.join(root, 'images', folder, name + '.jpg'),
                  'JPEG', quality=95)
            # Each label map is written after its image and atomically, and
            # the split's last one last: its presence means the split is
            # complete.
            _save(label, osp.join(root, 'annotations', folder, name + '.png'),
                  'PNG')
    for split, folder, _ in _SPLITS:
        img_dir = osp.join(root, 'images', folder)
        counts[split] = len([
            f for f in os.listdir(img_dir) if f.endswith('.jpg')
        ]) if osp.isdir(img_dir) else 0
    return counts


def _make_label(rng: np.random.Generator, img: np.ndarray) -> np.ndarray:
    """Brightness quintiles as classes 1-5, with one rectangle of 0."""
    height, width = img.shape[:2]
    grey = Image.fromarray(img).convert('L').filter(
        ImageFilter.GaussianBlur(radius=max(height, width) / 32))
    grey = np.asarray(grey, dtype=np.float32)
    edges = np.quantile(grey, [0.2, 0.4, 0.6, 0.8])
    label = np.asarray(TINY_ADE20K_LABELS, dtype=np.uint8)[np.searchsorted(
        edges, grey, side='right')]
    # Real ADE maps have unlabelled ("other") pixels; keep some.
    h = int(rng.integers(height // 8, height // 4 + 1))
    w = int(rng.integers(width // 8, width // 4 + 1))
    y = int(rng.integers(0, height - h + 1))
    x = int(rng.integers(0, width - w + 1))
    label[y:y + h, x:x + w] = 0
    return label


def _save(array: np.ndarray, path: str, fmt: str, **kwargs) -> None:
    """Encode and write atomically (mimae's local file backend)."""
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt, **kwargs)
    put(buffer.getvalue(), path)
