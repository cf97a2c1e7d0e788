from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_norm_layer
from mmdet.registry import MODELS
from mmengine.model import BaseModule
from torch import nn


@MODELS.register_module()
class SimpleFPN(BaseModule):
    """ViTDet's simple feature pyramid, for MMDetection.

    `Exploring Plain Vision Transformer Backbones for Object Detection
    <https://arxiv.org/abs/2203.16527>`_ (Li et al., ECCV 2022) builds the
    pyramid from the last ViT feature map alone (stride 16): two transposed
    convolutions for stride 4, one for stride 8, identity for 16, max-pool
    for 32, each followed by a 1x1 lateral and a 3x3 output conv with
    channel-first LayerNorm, and a stride-2 max-pool of the top level for
    stride 64. mmdet's ``projects/ViTDet`` has this neck but is not in the
    mmdet wheel.

    Args:
        backbone_channel (int): Channels of the ViT feature map (C).
        in_channels (Sequence[int]): Channels of the four pyramid levels
            before the lateral convs: ``[C // 4, C // 2, C, C]``.
        out_channels (int): Channels of every output level.
        num_outs (int): Output levels; levels past the fourth are stride-2
            max-pools of the previous one.
        norm_cfg (dict): Norm of the pyramid and the convs. Defaults to
            MMPretrain's ``LN2d`` (eps 1e-6, as ViTDet).
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 backbone_channel: int,
                 in_channels: Sequence[int],
                 out_channels: int,
                 num_outs: int,
                 norm_cfg: dict = dict(type='mmpretrain.LN2d', eps=1e-6),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        C = backbone_channel
        expected = [C // 4, C // 2, C, C]
        if list(in_channels) != expected or num_outs < 4:
            raise ValueError(
                f'SimpleFPN builds levels of {expected} channels from a '
                f'{C}-channel map and needs num_outs >= 4; got '
                f'in_channels={list(in_channels)}, num_outs={num_outs}.')
        self.num_outs = num_outs
        self.fpn1 = nn.Sequential(
            nn.ConvTranspose2d(C, C // 2, 2, 2),
            build_norm_layer(norm_cfg, C // 2)[1], nn.GELU(),
            nn.ConvTranspose2d(C // 2, C // 4, 2, 2))
        self.fpn2 = nn.ConvTranspose2d(C, C // 2, 2, 2)
        self.fpn3 = nn.Identity()
        self.fpn4 = nn.MaxPool2d(kernel_size=2, stride=2)
        self.lateral_convs = nn.ModuleList(
            ConvModule(c, out_channels, 1, norm_cfg=norm_cfg, act_cfg=None)
            for c in in_channels)
        self.fpn_convs = nn.ModuleList(
            ConvModule(
                out_channels,
                out_channels,
                3,
                padding=1,
                norm_cfg=norm_cfg,
                act_cfg=None) for _ in in_channels)

    def forward(self, inputs: Tuple[torch.Tensor]) -> Tuple[torch.Tensor]:
        """inputs[-1]: B x C x H x W (stride 16) -> ``num_outs`` maps of
        ``out_channels`` at strides 4, 8, 16, 32, 64, ..."""
        x = inputs[-1]
        levels: List[torch.Tensor] = [
            self.fpn1(x),
            self.fpn2(x),
            self.fpn3(x),
            self.fpn4(x)
        ]
        outs = [
            fpn(lateral(level)) for level, lateral, fpn in zip(
                levels, self.lateral_convs, self.fpn_convs)
        ]
        while len(outs) < self.num_outs:
            outs.append(F.max_pool2d(outs[-1], 1, stride=2))
        return tuple(outs)
