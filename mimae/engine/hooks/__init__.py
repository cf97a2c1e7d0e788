from .bad_image_hook import BadImageHook
from .exact_resume_hook import ExactResumeHook
from .metrics_file_hook import MetricsFileHook
from .strict_pretrained_hook import StrictPretrainedHook

__all__ = [
    'BadImageHook', 'ExactResumeHook', 'MetricsFileHook',
    'StrictPretrainedHook'
]
