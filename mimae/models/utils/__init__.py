from .sync_batchnorm import CPUSyncBatchNorm

__all__ = ['CPUSyncBatchNorm']
