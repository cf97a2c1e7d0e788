from .metrics_file_hook import MetricsFileHook
from .strict_pretrained_hook import StrictPretrainedHook

__all__ = ['MetricsFileHook', 'StrictPretrainedHook']
