from .atomic_local_backend import AtomicLocalBackend
from .hooks import ExactResumeHook, MetricsFileHook, StrictPretrainedHook
from .optimizers import LayerDecayOptimWrapperConstructor

__all__ = [
    'AtomicLocalBackend', 'ExactResumeHook',
    'LayerDecayOptimWrapperConstructor',
    'MetricsFileHook', 'StrictPretrainedHook'
]
