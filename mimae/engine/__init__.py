from .atomic_local_backend import AtomicLocalBackend
from .optimizers import LayerDecayOptimWrapperConstructor

__all__ = ['AtomicLocalBackend', 'LayerDecayOptimWrapperConstructor']
