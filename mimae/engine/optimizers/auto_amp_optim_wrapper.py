from typing import Union

import torch
from mmengine.logging import print_log
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
def AutoAmpOptimWrapper(  # noqa: N802 (a registered type name)
        loss_scale: Union[str, float, dict] = 'dynamic',
        **kwargs) -> OptimWrapper:
    """Mixed precision in the best dtype the device has.

    MMPretrain's MAE configs train in fp16 with dynamic loss scaling. This
    picks, when the wrapper is built:

    - a GPU with bf16 (Ampere and newer): :class:`AmpOptimWrapper` with
      ``dtype='bfloat16'``. bf16 has fp32's range, so no gradient underflows;
      ``loss_scale`` is kept as given, which only skips a step whose
      gradients are not finite;
    - an older GPU: fp16 with ``loss_scale``, as MMPretrain's MAE;
    - no GPU: :class:`OptimWrapper` in fp32, since mmengine's
      ``AmpOptimWrapper`` runs only on accelerators.

    Args:
        loss_scale (str | float | dict): As in :class:`AmpOptimWrapper`.
            Defaults to 'dynamic'.
        **kwargs: The other :class:`OptimWrapper` arguments (``optimizer``,
            ``accumulative_counts``, ``clip_grad``).

    Returns:
        OptimWrapper: the wrapper chosen.
    """
    if not torch.cuda.is_available():
        print_log(
            'AutoAmpOptimWrapper: no GPU, training in fp32.', logger='current')
        return OptimWrapper(**kwargs)
    dtype = 'bfloat16' if torch.cuda.is_bf16_supported() else 'float16'
    print_log(f'AutoAmpOptimWrapper: autocast to {dtype}.', logger='current')
    return AmpOptimWrapper(loss_scale=loss_scale, dtype=dtype, **kwargs)
