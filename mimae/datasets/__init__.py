from .digits import DIGIT_CLASSES, build_digits_imagenet
from .tiny_ade20k import TINY_ADE20K_LABELS, build_tiny_ade20k
from .tiny_coco import TINY_COCO_CLASSES, build_tiny_coco

__all__ = [
    'DIGIT_CLASSES', 'build_digits_imagenet', 'TINY_ADE20K_LABELS',
    'build_tiny_ade20k', 'TINY_COCO_CLASSES', 'build_tiny_coco'
]
