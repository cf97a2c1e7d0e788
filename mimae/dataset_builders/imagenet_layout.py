"""What the ImageNet-layout builders share: stratified subsets and the
"existing output is kept" writing of splits and annotation files.

An item is an ``(index, label)`` pair, ``index`` naming the source image;
``rel_path(index, label)`` gives its path relative to the split folder
(``<class>/<file>``), as in ImageNet's ``meta/*.txt`` files.
"""
import os.path as osp
from typing import Callable, List, Optional, Tuple

import numpy as np
from mmengine.fileio import put_text

from ..utils.progress import track

Item = Tuple[int, int]
RelPath = Callable[[int, int], str]
WriteImage = Callable[[int, str], None]


def stratified(items: List[Item],
               rng: np.random.Generator,
               num_classes: int,
               fraction: Optional[float] = None,
               per_class: Optional[int] = None) -> Tuple[list, list]:
    """Split ``items`` in two, class by class.

    Of each class, ``round(n * fraction)`` items (or exactly ``per_class``)
    drawn at random go to the first part, the others to the second.

    Returns:
        Tuple[list, list]: the chosen items and the rest, both sorted.
    """
    if (fraction is None) == (per_class is None):
        raise ValueError('give one of fraction and per_class')
    chosen, rest = [], []
    for label in range(num_classes):
        of_label = [item for item in items if item[1] == label]
        order = rng.permutation(len(of_label))
        if per_class is None:
            n = int(round(len(of_label) * fraction))
        elif per_class > len(of_label):
            raise ValueError(f'class {label} has {len(of_label)} items, '
                             f'fewer than per_class={per_class}')
        else:
            n = per_class
        chosen += [of_label[j] for j in order[:n]]
        rest += [of_label[j] for j in order[n:]]
    return sorted(chosen), sorted(rest)


def write_ann(root: str, name: str, items: List[Item],
              rel_path: RelPath) -> bool:
    """Write ``meta/<name>.txt`` ("<rel_path> <label>" lines) unless it
    exists. Returns whether it was written."""
    ann_file = osp.join(root, 'meta', f'{name}.txt')
    if osp.isfile(ann_file):
        return False
    # Atomic (mimae's local file backend): a present file is complete.
    put_text(''.join(f'{rel_path(i, label)} {label}\n' for i, label in items),
             ann_file)
    return True


def write_split(root: str, split: str, items: List[Item], rel_path: RelPath,
                write_image: WriteImage, description: str) -> bool:
    """Write the images of one split, then ``meta/<split>.txt``.

    Nothing is done when the annotation file exists: it is written last, so
    its presence means the split is complete. ``write_image(index, path)``
    writes one image. Returns whether the split was written.
    """
    if osp.isfile(osp.join(root, 'meta', f'{split}.txt')):
        return False
    items = sorted(items)
    for i, label in track(items, description):
        write_image(i, osp.join(root, split, rel_path(i, label)))
    return write_ann(root, split, items, rel_path)
