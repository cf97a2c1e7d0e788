"""Write an ImageNet label-subset annotation file (e.g. the 1% split).

    python tools/dataset_converters/imagenet_subset.py \
        data/imagenet 1percent.txt

The subset list (SimCLR's ``imagenet_subsets/1percent.txt``) names one
training image per line, ``n01440764_10026.JPEG``. The output,
``meta/train_1percent.txt`` next to ``train/``, has MMPretrain's ImageNet
annotation format ``n01440764/n01440764_10026.JPEG <label>`` with labels in
sorted class-folder order (the order of the 1000 ImageNet classes).
"""
import argparse
import os
import os.path as osp
from typing import List

from mmengine.fileio import put_text

import mimae  # noqa: F401  (atomic local writes)


def write_subset(root: str, subset_list: str, out_name: str = '') -> str:
    """Write ``root/meta/<out_name>`` for the images in ``subset_list``.

    Returns:
        str: the written annotation file.

    Raises:
        FileNotFoundError: listing the first listed images that are not in
            ``root/train/<class>/``.
    """
    classes = sorted(
        d for d in os.listdir(osp.join(root, 'train'))
        if osp.isdir(osp.join(root, 'train', d)))
    label = {c: i for i, c in enumerate(classes)}
    names = [line.strip() for line in open(subset_list) if line.strip()]
    lines: List[str] = []
    missing = []
    for name in names:
        wnid = name.rsplit('_', 1)[0]
        rel = f'{wnid}/{name}'
        if wnid not in label or not osp.isfile(osp.join(root, 'train', rel)):
            missing.append(rel)
            continue
        lines.append(f'{rel} {label[wnid]}\n')
    if missing:
        raise FileNotFoundError(
            f'{len(missing)} of {len(names)} listed images are not under '
            f'{osp.join(root, "train")}, e.g. {missing[:5]}')
    out_name = out_name or 'train_' + osp.splitext(
        osp.basename(subset_list))[0] + '.txt'
    out = osp.join(root, 'meta', out_name)
    put_text(''.join(lines), out)  # atomic through mimae's local backend
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='ImageNet root, with train/<wnid>/')
    parser.add_argument('subset_list', help='e.g. 1percent.txt')
    parser.add_argument(
        '--out-name', default='', help='default: train_<list name>.txt')
    args = parser.parse_args()
    print(write_subset(args.root, args.subset_list, args.out_name))


if __name__ == '__main__':
    main()
