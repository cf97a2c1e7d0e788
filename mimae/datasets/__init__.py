from .digits import DIGIT_CLASSES, build_digits_imagenet

__all__ = ['DIGIT_CLASSES', 'build_digits_imagenet']
