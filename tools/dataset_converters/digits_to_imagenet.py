"""Write scikit-learn's handwritten digits as an ImageNet-layout dataset.

    python tools/dataset_converters/digits_to_imagenet.py data/digits
"""
import argparse

from mimae.dataset_builders import build_digits_imagenet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir', help='output root, e.g. data/digits')
    parser.add_argument('--img-size', type=int, default=32)
    parser.add_argument('--val-fraction', type=float, default=0.2)
    args = parser.parse_args()
    counts = build_digits_imagenet(
        args.out_dir, img_size=args.img_size, val_fraction=args.val_fraction)
    print(f'{args.out_dir}: ' + ', '.join(f'{n} {split} images'
                                          for split, n in counts.items()))


if __name__ == '__main__':
    main()
