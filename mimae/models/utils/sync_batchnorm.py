"""torch's ``SyncBatchNorm``, with CPU tensors synchronised too."""
from typing import Any, Optional

import torch
import torch.distributed as dist
from torch.distributed.nn.functional import all_gather
from torch.nn.modules.batchnorm import _BatchNorm


class CPUSyncBatchNorm(_BatchNorm):
    """Synchronised batch norm that also works on CPU processes (gloo).

    torch's :class:`torch.nn.SyncBatchNorm` refuses CPU inputs in a
    distributed training step ("SyncBatchNorm expected input tensor to be on
    GPU", torch 2.13 with gloo, even with one process), and
    ``DistributedDataParallel`` refuses a CPU module that holds one
    ("SyncBatchNorm layers only work with GPU modules"), so this is not a
    subclass of it. For CPU tensors it computes the batch statistics over
    the process group itself: every process contributes its count, mean and
    sum of squared deviations through the differentiable
    ``torch.distributed.nn.functional.all_gather`` (so the gradient reaches
    every process's inputs, as in torch's own backward), the statistics are
    combined exactly (Chan et al.), and the running statistics are updated
    with the unbiased variance of the global batch, as torch does. Every
    step with nothing to synchronise (eval, no process group, a group of
    one) is plain batch norm, as torch's ``SyncBatchNorm`` falls back to;
    inputs on other devices take torch's ``SyncBatchNorm.forward``.

    Arguments, parameters, buffers and state dict keys are those of
    ``torch.nn.SyncBatchNorm``. :mod:`mimae.compat` (``sync_bn_cpu``)
    registers it as ``SyncBN`` on machines without CUDA.
    """

    def __init__(self,
                 num_features: int,
                 eps: float = 1e-5,
                 momentum: Optional[float] = 0.1,
                 affine: bool = True,
                 track_running_stats: bool = True,
                 process_group: Optional[Any] = None,
                 device=None,
                 dtype=None) -> None:
        super().__init__(
            num_features,
            eps,
            momentum,
            affine,
            track_running_stats,
            device=device,
            dtype=dtype)
        self.process_group = process_group

    _check_input_dim = torch.nn.SyncBatchNorm._check_input_dim
    _check_non_zero_input_channels = \
        torch.nn.SyncBatchNorm._check_non_zero_input_channels

    def _syncs_cpu(self, input: torch.Tensor) -> bool:
        if input.device.type != 'cpu' or not self.training:
            return False
        if not (dist.is_available() and dist.is_initialized()):
            return False
        group = self.process_group or dist.group.WORLD
        return dist.get_world_size(group) > 1

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        if input.device.type != 'cpu':
            return torch.nn.SyncBatchNorm.forward(self, input)
        if not self._syncs_cpu(input):
            # torch's own fallback when there is nothing to synchronise.
            return super().forward(input)
        self._check_input_dim(input)
        self._check_non_zero_input_channels(input)
        if self.momentum is None:
            factor = 0.0
        else:
            factor = self.momentum
        if self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / self.num_batches_tracked.item()

        C = input.shape[1]
        x = input.transpose(0, 1).reshape(C, -1).float()
        n = x.shape[1]
        mean = x.sum(1) / max(n, 1)
        m2 = (x - mean[:, None]).square().sum(1)
        local = torch.cat([x.new_full((1, ), float(n)), mean, m2])
        group = self.process_group or dist.group.WORLD
        stats = torch.stack(all_gather(local, group=group))  # W x (2C + 1)
        counts, means, m2s = stats[:, :1], stats[:, 1:C + 1], stats[:, C + 1:]
        total = counts.sum()
        if total.item() <= 1:
            raise ValueError('Expected more than 1 value per channel when '
                             f'training, got input size {list(input.shape)} '
                             'over all processes')
        global_mean = (counts * means).sum(0) / total
        global_var = (m2s + counts *
                      (means - global_mean).square()).sum(0) / total
        if self.track_running_stats:
            with torch.no_grad():
                unbiased = global_var * total / (total - 1)
                self.running_mean.mul_(1 - factor).add_(
                    factor * global_mean.to(self.running_mean.dtype))
                self.running_var.mul_(1 - factor).add_(
                    factor * unbiased.to(self.running_var.dtype))

        shape = (1, C) + (1, ) * (input.dim() - 2)
        inv_std = torch.rsqrt(global_var + self.eps)
        out = (input.float() - global_mean.view(shape)) * inv_std.view(shape)
        if self.weight is not None:
            out = out * self.weight.view(shape) + self.bias.view(shape)
        return out.to(input.dtype)
