"""A small real-image dataset in the ImageNet layout, built from a pip package.

scikit-learn ships the UCI handwritten digits: 1797 real 8 x 8 scans of the
digits 0-9 (16 grey levels). :func:`build_digits_imagenet` upsamples them and
writes them in the layout of ImageNet-1K as MMPretrain reads it, so every
ImageNet config of this project runs on it by changing ``data_root`` only::

    root/
    ├── meta/{train,val}.txt      "<class>/<file>.JPEG <label>" lines
    ├── meta/train_10percent.txt  10% of train's labels (low-shot)
    ├── meta/sweep_{train,val}.txt     train split in two, for choosing
    ├── meta/sweep_train_10percent.txt hyperparameters without val
    ├── train/<class>/*.JPEG
    └── val/<class>/*.JPEG

The subsets are lists of ``train/`` images (read with ``split='train'`` and
``ann_file='meta/<subset>.txt'``), each stratified by class.
"""
import os
import os.path as osp
from typing import Dict

import numpy as np
from PIL import Image

from .imagenet_layout import stratified, write_ann, write_split

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
    splits = {
        split: [(i, int(digits.target[i])) for i in idx]
        for split, idx in digits_split(val_fraction, seed).items()
    }

    counts = {}
    for split, items in splits.items():
        counts[split] = len(items)
        write_split(
            root, split, items, _rel_path,
            lambda i, path: _write_image(digits.images[i], path, img_size),
            f'digits {split}')
    _write_subsets(root, sorted(splits['train']), seed)
    return counts


def _write_subsets(root: str, train: list, seed: int) -> None:
    """The label subsets of the train split (see the module docstring)."""
    for name, items in _train_subsets(train, seed).items():
        write_ann(root, name, items, _rel_path)


def _train_subsets(train: list, seed: int) -> Dict[str, list]:
    """Stratified subsets of the train split's ``(index, label)`` items."""
    rng = np.random.default_rng([seed, 1])

    def fraction_of(items: list, fraction: float) -> tuple:
        return stratified(items, rng, len(DIGIT_CLASSES), fraction=fraction)

    train_10percent = fraction_of(train, 0.1)[0]
    sweep_val, sweep_train = fraction_of(train, 0.2)
    return dict(
        train_10percent=train_10percent,
        sweep_train=sweep_train,
        sweep_val=sweep_val,
        sweep_train_10percent=fraction_of(sweep_train, 0.1)[0])


def _rel_path(index: int, label: int) -> str:
    """ImageNet's naming: <class>/<class>_<n>.JPEG"""
    name = DIGIT_CLASSES[label]
    return f'{name}/{name}_{index:04d}.JPEG'


def digits_split(val_fraction: float = 0.2,
                 seed: int = 0,
                 sweep: bool = False) -> Dict[str, np.ndarray]:
    """Indices of scikit-learn's digits in each split, stratified by class.

    The split of :func:`build_digits_imagenet`; the digit-scene builders
    draw their train and val scenes from the same halves, so no scan seen in
    training appears in a val scene.

    Args:
        val_fraction (float): Share of each class in ``val``.
        seed (int): Seed of the split.
        sweep (bool): Return the hyperparameter-sweep split instead, the
            train split cut in two (``meta/sweep_{train,val}.txt``); no scan
            of the reported ``val`` split is in it.

    Returns:
        Dict[str, np.ndarray]: ``'train'`` and ``'val'`` index arrays.
    """
    from sklearn.datasets import load_digits
    target = load_digits().target
    rng = np.random.default_rng(seed)
    train, val = [], []
    for label in range(len(DIGIT_CLASSES)):
        idx = rng.permutation(np.flatnonzero(target == label))
        n_val = int(round(len(idx) * val_fraction))
        val.append(idx[:n_val])
        train.append(idx[n_val:])
    split = dict(train=np.concatenate(train), val=np.concatenate(val))
    if sweep:
        items = sorted((int(i), int(target[i])) for i in split['train'])
        subsets = _train_subsets(items, seed)
        split = {
            name: np.array([i for i, _ in subsets[f'sweep_{name}']])
            for name in ('train', 'val')
        }
    return split


def _write_image(grey: np.ndarray, path: str, img_size: int) -> None:
    pixels = (grey * (255.0 / 16.0)).astype(np.uint8)
    img = Image.fromarray(pixels).resize((img_size, img_size),
                                         Image.BICUBIC).convert('RGB')
    os.makedirs(osp.dirname(path), exist_ok=True)
    img.save(path, format='JPEG', quality=95)
