from .atomic_local_backend import AtomicLocalBackend
from .hooks import (BadImageHook, ExactResumeHook, FiniteTrainingHook,
                    MetricsFileHook, StrictPretrainedHook)
from .optimizers import LayerDecayOptimWrapperConstructor

__all__ = [
    'AtomicLocalBackend', 'BadImageHook', 'ExactResumeHook',
    'FiniteTrainingHook',
    'LayerDecayOptimWrapperConstructor',
    'MetricsFileHook', 'StrictPretrainedHook'
]
