from .atomic_local_backend import AtomicLocalBackend
from .hooks import (BadImageHook, ExactResumeHook, FiniteTrainingHook,
                    MetricsFileHook, StrictPretrainedHook)
from .optimizers import AutoAmpOptimWrapper, LayerDecayOptimWrapperConstructor

__all__ = [
    'AtomicLocalBackend', 'AutoAmpOptimWrapper', 'BadImageHook',
    'ExactResumeHook', 'FiniteTrainingHook',
    'LayerDecayOptimWrapperConstructor', 'MetricsFileHook',
    'StrictPretrainedHook'
]
