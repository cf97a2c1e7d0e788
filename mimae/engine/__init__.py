from .atomic_local_backend import AtomicLocalBackend
from .hooks import MetricsFileHook, StrictPretrainedHook
from .optimizers import LayerDecayOptimWrapperConstructor

__all__ = [
    'AtomicLocalBackend', 'LayerDecayOptimWrapperConstructor',
    'MetricsFileHook', 'StrictPretrainedHook'
]
