from .exact_resume_hook import ExactResumeHook
from .metrics_file_hook import MetricsFileHook
from .strict_pretrained_hook import StrictPretrainedHook

__all__ = ['ExactResumeHook', 'MetricsFileHook', 'StrictPretrainedHook']
