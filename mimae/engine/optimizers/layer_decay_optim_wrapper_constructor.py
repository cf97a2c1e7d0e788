from functools import partial
from typing import Callable, List, Optional

from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS
from mmpretrain.engine.optimizers import \
    LearningRateDecayOptimWrapperConstructor
from torch import nn


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class LayerDecayOptimWrapperConstructor(
        LearningRateDecayOptimWrapperConstructor):
    """Layer-wise lr decay for classifiers, detectors and segmentors alike.

    MMPretrain's :class:`LearningRateDecayOptimWrapperConstructor` needs the
    *model* to have ``get_layer_depth``, which only its classifiers and
    self-supervisors do; mmseg's picks its rule by backbone class name and
    mmdet's supports ConvNeXt only. This one asks the model first and falls
    back to ``model.backbone.get_layer_depth(name, 'backbone.')``, so necks
    and heads of any task land on the last depth (lr scale 1) and the
    backbone's stem and blocks decay as in MAE: ``lr * rate ** (N - 1 - d)``
    with N = num_layers + 2 depths.

    It is registered in mmengine's root registry, so configs in the
    ``mmpretrain``, ``mmdet`` and ``mmseg`` scopes all find it by name.
    ``paramwise_cfg`` is MMPretrain's: ``layer_decay_rate``,
    ``norm_decay_mult``, ``bias_decay_mult``, ``flat_decay_mult``,
    ``custom_keys`` (``decay_mult``).
    """

    def add_params(self,
                   params: List[dict],
                   module: nn.Module,
                   prefix: str = '',
                   get_layer_depth: Optional[Callable] = None,
                   **kwargs) -> None:
        if get_layer_depth is None and not prefix and not hasattr(
                module, 'get_layer_depth'):
            backbone = getattr(module, 'backbone', None)
            if not hasattr(backbone, 'get_layer_depth'):
                raise TypeError(
                    f'{type(module).__name__} has no get_layer_depth and no '
                    'backbone with one: layer-wise lr decay needs a ViT-like '
                    'backbone such as VisionTransformer or ViTDet.')
            get_layer_depth = partial(
                backbone.get_layer_depth, prefix='backbone.')
        super().add_params(
            params,
            module,
            prefix=prefix,
            get_layer_depth=get_layer_depth,
            **kwargs)
