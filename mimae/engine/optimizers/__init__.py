from .auto_amp_optim_wrapper import AutoAmpOptimWrapper
from .layer_decay_optim_wrapper_constructor import \
    LayerDecayOptimWrapperConstructor

__all__ = ['AutoAmpOptimWrapper', 'LayerDecayOptimWrapperConstructor']
