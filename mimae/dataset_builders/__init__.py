"""Writers of the small real-image datasets that the tests and the
mini-benchmark use, in the standard layouts (ImageNet folder, COCO, ADE20K),
from images shipped in scikit-learn. Nothing here is registered: the
OpenMMLab dataset classes read what these functions write.
"""
from .digit_scenes import (build_digit_scenes_ade20k, build_digit_scenes_coco,
                           make_scene)
from .digits import DIGIT_CLASSES, build_digits_imagenet, digits_split
from .tiny_ade20k import TINY_ADE20K_LABELS, build_tiny_ade20k
from .tiny_coco import TINY_COCO_CLASSES, build_tiny_coco

__all__ = [
    'DIGIT_CLASSES', 'build_digits_imagenet', 'digits_split',
    'TINY_ADE20K_LABELS', 'build_tiny_ade20k', 'TINY_COCO_CLASSES',
    'build_tiny_coco', 'build_digit_scenes_coco', 'build_digit_scenes_ade20k',
    'make_scene'
]
