from .bad_image_hook import BadImageHook
from .exact_resume_hook import ExactResumeHook
from .finite_training_hook import FiniteTrainingHook, NonFiniteError
from .metrics_file_hook import MetricsFileHook
from .strict_pretrained_hook import StrictPretrainedHook

__all__ = [
    'BadImageHook', 'ExactResumeHook', 'FiniteTrainingHook', 'MetricsFileHook',
    'NonFiniteError', 'StrictPretrainedHook'
]
