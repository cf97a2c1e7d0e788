"""A tiny detection dataset in the COCO 2017 layout, built from a pip package.

:func:`build_tiny_coco` writes a handful of images in exactly the on-disk
layout of COCO 2017 instances, so MMDetection's ``CocoDataset`` and
pycocotools read it unchanged::

    root/
    ├── annotations/instances_{train,val}2017.json
    ├── train2017/*.jpg
    └── val2017/*.jpg

Pixels are real: the background is a crop of one of scikit-learn's two
sample photos (``china.jpg``, ``flower.jpg``), and the objects are real
handwritten digit scans from scikit-learn's digits, upsampled and pasted in.
The annotations are derived from what was pasted: each object's category is
its digit, its polygon the convex hull of the digit's ink.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Tuple

import cv2
import numpy as np
from mmengine.fileio import put_text
from PIL import Image

from .digit_scenes import make_scene

TINY_COCO_DIGITS = (0, 1, 2)
TINY_COCO_CLASSES = tuple(f'digit_{d}' for d in TINY_COCO_DIGITS)

# Image and annotation ids start at ``split index * _ID_STRIDE + 1``, so
# train and val ids never collide (as in COCO) whatever their sizes.
_ID_STRIDE = 1_000_000
_SPLITS = ('train', 'val')
# Offsets of a pixel's four corners, (x, y).
_PIXEL_CORNERS = np.array([[0, 0], [1, 0], [0, 1], [1, 1]])


def build_tiny_coco(root: str,
                    num_train: int = 4,
                    num_val: int = 2,
                    img_size: Tuple[int, int] = (96, 128),
                    seed: int = 0) -> Dict[str, int]:
    """Write a tiny COCO-2017-style instance segmentation dataset.

    Each image is a random crop of a scikit-learn sample photo with 1-3
    non-overlapping digits (0, 1 or 2; 20-40 px) pasted in. Existing output
    is kept: a split whose annotation json exists is not written again, so
    the call is cheap to repeat.

    Args:
        root (str): Output directory (the COCO root).
        num_train (int): Images in ``train2017``. Defaults to 4.
        num_val (int): Images in ``val2017``. Defaults to 2.
        img_size (Tuple[int, int]): ``(height, width)`` of every image.
            Defaults to ``(96, 128)``.
        seed (int): Seed of everything random; the same seed gives the
            same files.

    Returns:
        Dict[str, int]: number of images per split, as on disk.
    """
    from sklearn.datasets import load_digits, load_sample_images
    photos = load_sample_images().images
    digits = load_digits()
    counts = {}
    for split_idx, (split, num) in enumerate(zip(_SPLITS,
                                                 (num_train, num_val))):
        ann_file = osp.join(root, 'annotations', f'instances_{split}2017.json')
        if osp.isfile(ann_file):
            with open(ann_file) as f:
                counts[split] = len(json.load(f)['images'])
            continue
        # One generator per split: val does not change when num_train does.
        rng = np.random.default_rng([seed, split_idx])
        first_id = split_idx * _ID_STRIDE + 1
        images, annotations = [], []
        for i in range(num):
            img_id = first_id + i
            img, objects = _make_image(rng, photos, digits, img_size)
            file_name = f'{img_id:012d}.jpg'  # as COCO names its files
            path = osp.join(root, f'{split}2017', file_name)
            os.makedirs(osp.dirname(path), exist_ok=True)
            Image.fromarray(img).save(path, format='JPEG', quality=95)
            images.append(
                dict(id=img_id, file_name=file_name, height=img_size[0],
                     width=img_size[1]))
            for digit, polygon in objects:
                annotations.append(
                    _annotation(first_id + len(annotations), img_id,
                                TINY_COCO_DIGITS.index(digit) + 1, polygon))
        coco = dict(
            info=dict(description='mimae tiny COCO (scikit-learn images)',
                      version='1.0', year=2017),
            licenses=[],
            images=images,
            annotations=annotations,
            categories=[
                dict(id=k + 1, name=name, supercategory='digit')
                for k, name in enumerate(TINY_COCO_CLASSES)
            ])
        # The annotation file is written last and atomically (mimae's local
        # file backend): its presence means the split is complete.
        put_text(json.dumps(coco), ann_file)
        counts[split] = num
    return counts


def _make_image(rng: np.random.Generator, photos: List[np.ndarray], digits,
                img_size: Tuple[int, int]
                ) -> Tuple[np.ndarray, List[Tuple[int, np.ndarray]]]:
    """A background photo crop with 1-3 digits (0, 1 or 2; 20-40 px).

    Returns:
        Tuple[np.ndarray, list]: the image and, per object, its digit and
        its polygon (the convex hull of its ink) as an ``N x 2`` array of
        (x, y) vertices.
    """
    keep = np.isin(digits.target, TINY_COCO_DIGITS)
    img, objects = make_scene(rng, photos, digits.images[keep],
                              digits.target[keep], img_size, (1, 3),
                              (20, 40))
    return img, [(digit, _mask_hull(mask)) for digit, mask in objects]


def _mask_hull(mask: np.ndarray) -> np.ndarray:
    """Convex hull of the pixel squares of a mask.

    Pixel ``(r, c)`` covers ``[c, c + 1] x [r, r + 1]``, so the hull contains
    every mask pixel and its bounds are the mask's box.

    Returns:
        np.ndarray: ``N x 2`` (x, y) vertices, ``N >= 3``.
    """
    rows, cols = np.nonzero(mask)
    pixels = np.stack([cols, rows], axis=1)
    corners = (pixels[:, None] + _PIXEL_CORNERS[None]).reshape(-1, 2)
    return cv2.convexHull(corners.astype(np.float32))[:, 0].astype(np.float64)


def _annotation(ann_id: int, img_id: int, category_id: int,
                polygon: np.ndarray) -> dict:
    x, y = polygon[:, 0], polygon[:, 1]
    area = cv2.contourArea(polygon.astype(np.float32))
    x0, y0 = float(x.min()), float(y.min())
    return dict(
        id=ann_id,
        image_id=img_id,
        category_id=category_id,
        segmentation=[polygon.ravel().tolist()],
        area=float(area),
        bbox=[x0, y0, float(x.max()) - x0, float(y.max()) - y0],
        iscrowd=0)
