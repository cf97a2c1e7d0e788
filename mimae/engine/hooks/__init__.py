from .metrics_file_hook import MetricsFileHook

__all__ = ['MetricsFileHook']
