from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS


@MODELS.register_module()
class RawPixels(BaseModule):
    """The input itself as the feature: the raw-input floor of frozen tasks.

    A frozen-feature evaluation (k-NN, linear probe) says something about
    pre-training only where a pre-trained encoder beats the pixels it was
    given. The benchmark suite measures that floor by putting this module in
    place of the encoder of the very task config (same data, pipeline,
    preprocessor, classifier and metric), see
    :mod:`mimae.benchmark.suite`. It has no parameters.

    Args:
        size (int, optional): Average-pool the image to ``size x size``
            first (a tractable pixel feature for large images). Defaults to
            None (every pixel).
        init_cfg (dict, optional): Unused; accepted for config symmetry.
    """

    def __init__(self,
                 size: Optional[int] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.size = size

    def forward(self, inputs: torch.Tensor) -> Tuple[torch.Tensor]:
        """Flatten the (pooled) image: B x C x H x W -> (B x C*H*W, )."""
        if self.size is not None:
            inputs = F.adaptive_avg_pool2d(inputs, self.size)
        return (inputs.flatten(1), )
