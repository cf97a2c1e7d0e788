"""A small real-image dataset in the ImageNet layout, built from a pip package.

scikit-learn ships the UCI handwritten digits: 1797 real 8 x 8 scans of the
digits 0-9 (16 grey levels). :func:`build_digits_imagenet` upsamples them and
writes them in the layout of ImageNet-1K as MMPretrain reads it, so every
ImageNet config of this project runs on it by changing ``data_root`` only::

    root/
    ├── meta/{train,val}.txt      "<class>/<file>.JPEG <label>" lines
    ├── train/<class>/*.JPEG
    └── val/<class>/*.JPEG
"""
import os
import os.path as osp
from typing import Dict

import numpy as np
from mmengine.fileio import put_text
from PIL import Image

DIGIT_CLASSES = tuple(f'digit_{i}' for i in range(10))


def build_digits_imagenet(root: str,
                          img_size: int = 32,
                          val_fraction: float = 0.2,
                          seed: int = 0) -> Dict[str, int]:
    """Write scikit-learn's digits as an ImageNet-style folder.

    Existing output is kept: a split whose annotation file exists is not
    written again, so the call is cheap to repeat.

    Args:
        root (str): Output directory.
        img_size (int): Side of the written RGB images. Defaults to 32.
        val_fraction (float): Share of each class put in ``val``.
        seed (int): Seed of the train/val split.

    Returns:
        Dict[str, int]: number of images per split.
    """
    from sklearn.datasets import load_digits
    digits = load_digits()
    rng = np.random.default_rng(seed)
    splits: Dict[str, list] = {'train': [], 'val': []}
    for label in range(len(DIGIT_CLASSES)):
        idx = rng.permutation(np.flatnonzero(digits.target == label))
        n_val = int(round(len(idx) * val_fraction))
        splits['val'] += [(i, label) for i in idx[:n_val]]
        splits['train'] += [(i, label) for i in idx[n_val:]]

    counts = {}
    for split, items in splits.items():
        counts[split] = len(items)
        ann_file = osp.join(root, 'meta', f'{split}.txt')
        if osp.isfile(ann_file):
            continue
        lines = []
        for i, label in sorted(items):
            # ImageNet's naming: <class>/<class>_<n>.JPEG
            name = DIGIT_CLASSES[label]
            rel = f'{name}/{name}_{i:04d}.JPEG'
            _write_image(digits.images[i], osp.join(root, split, rel),
                         img_size)
            lines.append(f'{rel} {label}\n')
        # The annotation file is written last and atomically (mimae's local
        # file backend): its presence means the split is complete.
        put_text(''.join(lines), ann_file)
    return counts


def _write_image(grey: np.ndarray, path: str, img_size: int) -> None:
    pixels = (grey * (255.0 / 16.0)).astype(np.uint8)
    img = Image.fromarray(pixels).resize((img_size, img_size),
                                         Image.BICUBIC).convert('RGB')
    os.makedirs(osp.dirname(path), exist_ok=True)
    img.save(path, format='JPEG', quality=95)

