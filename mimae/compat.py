"""Everything ``import mimae`` changes in other libraries, in one place.

OpenMMLab 2.x (last released in 2024) needs fixes on torch >= 2.6, and
mimae makes mmengine's checkpoint writes crash-safe. Each change lives here
and nowhere else, has a name and a reason, and is applied once, when
:mod:`mimae` is imported, guarded so that it does nothing where it is not
needed (a CUDA build of torch, a GPU machine, an upstream release that
already fixed it). Nothing in site-packages is edited.

``APPLIED`` records which changes took effect in this process, so tests and
bug reports can tell. ``MIMAE_SKIP_FIXES=name[,name...]`` in the environment
turns the named ones off (an unknown name is refused, listing the known
ones); without the first five the stack does not run on torch 2.13 CPU.

1. ``torchvision_cpu``: the PyPI torchvision 0.28.0 wheel (the only release
   pinned to torch 2.13) is a CUDA build. On CPU torch its ``_C`` extension
   fails to load, and ``import torchvision`` then dies on two unguarded
   ``register_fake('torchvision::nms'/'qnms')`` calls. mmpretrain imports
   torchvision at module level, so nothing works without it. We define the
   two operator schemas (no kernels) before torchvision is imported; its
   transforms work and its C++ ops raise torchvision's own clear error. The
   mm* stack uses mmcv's nms, never torchvision's.
2. ``safe_checkpoint_loading``: mmengine's local and HTTP checkpoint
   loaders are replaced (through its own ``CheckpointLoader`` extension
   point) by :mod:`mimae.zoo.loaders`. mmengine 0.10.7 calls ``torch.load``
   without ``weights_only``: on torch >= 2.6 its own checkpoints (which hold
   ``HistoryBuffer`` and numpy objects) then fail to resume or load as
   ``Pretrained``, and on older torch every file is fully unpickled, so a
   downloaded ``.pth`` can run code. Ours load every file with
   ``weights_only=True`` plus exactly the globals mmengine's checkpoints
   need, accept model-zoo names, download URLs once into a cache with a
   hash check, and convert official MAE / timm checkpoints on load.
3. ``dist_init_cpu``: mmengine's ``_init_dist_pytorch`` calls
   ``torch.cuda.set_device`` unconditionally (an ``AttributeError`` on CPU
   torch) and passes the config's ``nccl`` backend through. Without CUDA we
   initialise the process group with gloo instead; under torchrun, in the
   agent's store with a key prefix per restart attempt (without it, 2 of
   3 restarts read the dead processes' gloo addresses and failed).
4. ``ddp_cpu_device_ids``: mmengine wraps the model in
   ``MMDistributedDataParallel(device_ids=[LOCAL_RANK])``, which torch
   refuses for a CPU module. For CPU modules ``device_ids`` is dropped.
5. ``collate_fn_scope``: a config that inherits another package's config
   (``_base_ = 'mmpretrain::mae/...'``, as the pre-training configs do) gets
   ``_scope_='mmpretrain'`` added to every inherited ``type`` dict;
   mmengine's ``Runner.build_dataloader`` passes the ``collate_fn`` dict's
   keys to the function, so training fails with ``default_collate() got an
   unexpected keyword argument '_scope_'``. The key is dropped there.
6. ``atomic_local_backend``: mmengine's ``local`` file backend writes in
   place, so a run killed while saving leaves a truncated checkpoint (and
   with ``max_keep_ckpts=1`` the previous one is already deleted).
   :class:`mimae.engine.AtomicLocalBackend` (temporary file, fsync, rename)
   replaces it through mmengine's ``register_backend``; every local
   ``put``/``put_text`` (checkpoints, dumped configs, mimae's dataset
   builders) becomes all-or-nothing.
7. ``atomic_last_checkpoint``: mmengine's ``CheckpointHook`` writes the
   ``last_checkpoint`` pointer with a plain ``open(..., 'w')``; a kill in
   that moment leaves it empty and ``--resume`` finds nothing. The
   module's ``open`` is replaced by one whose ``'w'`` files go through
   :class:`mimae.engine.AtomicLocalBackend` (other modes are the builtin).
8. ``plain_param_groups``: mmengine builds optimizers through its config
   registry, so every param group is a ``ConfigDict``. ``torch.compile``
   (mmengine's ``compile=True`` compiles ``train_step``, the optimizer step
   included) cannot trace one and fails with "'UserDefinedDictVariable'
   object has no attribute 'items'". After an optimizer wrapper is built its
   groups are turned into plain dicts, in the same list.
9. ``mimae_config_package``: mmengine resolves ``_base_ = 'PKG::path'``
   only for the packages in its ``MODULE2PACKAGE`` table, which lists
   OpenMMLab's own; for any other it stops with "mmengine does not support
   to load mimae config". ``mimae``
   is added to the table, so configs of other projects can build on
   ``mimae::pretrain/...`` (read from the installed package's ``.mim``).
   It takes effect once ``mimae`` is imported: mimae's tools (and ``mim
   train/test mimae ...``, which run them) do that before reading a config.
   mmengine finds a package's files at its distribution's location plus the
   package name; for an editable install (PEP 660) that place does not
   exist, so there the package's own import location is used instead.
   mmengine also stamps ``_scope_='<package>'`` on every ``type`` dict a
   package's base brings in; mimae has no registries of its own (its
   modules are registered in MMPretrain's, MMDet's and MMSeg's, chosen by
   each config's ``default_scope``), so a ``mimae`` stamp sent them to
   mmengine's root registry ("WeightedKNNClassifier is not in the
   mmengine::model registry"). For ``mimae::`` bases nothing is stamped:
   a config built on ``mimae::X`` builds as ``X`` does.
10. ``sync_bn_cpu``: torch's ``SyncBatchNorm`` (mmcv registers it as
    ``SyncBN``) refuses CPU tensors in a distributed training step ("expected
    input tensor to be on GPU"), so a config whose projector uses SyncBN
    (the ViT-B/L pre-training configs and the tiny config that inherits
    them) cannot train on CPU processes over gloo. Without CUDA, ``SyncBN``
    in mmengine's ``MODELS`` becomes
    :class:`mimae.models.utils.CPUSyncBatchNorm`, which computes the
    statistics over the process group itself for CPU tensors (and runs
    torch's ``SyncBatchNorm.forward`` for any other device). It is not a
    ``torch.nn.SyncBatchNorm`` subclass: DDP refuses a CPU module holding
    one. Not applied with CUDA, or on a torch whose ``SyncBatchNorm``
    accepts CPU tensors.
11. ``pretrained_init``: mmengine's ``Pretrained`` init (how every transfer
    config of this project loads its backbone) stops at ``AssertionError:
    backbone. is not in the pretrained model`` when the file keeps nothing
    under the prefix (a plain state dict of another model), without saying
    what the file is or holds; warns "missing keys in source state_dict:
    ln2.weight, ln2.bias" on a correct transfer to a downstream ViT
    variant; and keeps no record of what it loaded, so a key check had to
    read the file again. ``PretrainedInit.__call__`` becomes
    :func:`mimae.engine.pretrained_init.init_from_pretrained`: the same
    lenient load, reading the file once, raising a ``KeyError`` that names
    the file and summarises its keys for an absent prefix, keeping the
    downstream ViT additions (``ln2``, layer scales, relative position
    tables) and the dropped final norm out of the warning (an info line
    lists them), and recording the keys found for ``StrictPretrainedHook``.
12. ``checked_image_loading``: mmcv's ``LoadImageFromFile`` (the first
    transform of every classification, k-NN, detection and segmentation
    pipeline, MMPretrain's, MMDet's and MMSeg's bases included) lets a
    decoding failure through as a bare ``cv2.error ... !buf.empty()`` or
    ``AssertionError: failed to load image``, often from a DataLoader
    worker and without the file's name. The name ``LoadImageFromFile`` in
    mmengine's root ``TRANSFORMS`` (which MMDet's and MMSeg's registries
    fall back to) and in MMPretrain's (which registers mmcv's class itself)
    now builds :class:`mimae.datasets.LoadImageFromFileChecked`,
    its subclass that loads a good file identically and names a bad one
    with its sample (``ImageDecodeError``), so every config family fails
    the same way as pre-training, and ``BadImageHook``'s skip option works
    wherever a training config adds the hook.
"""
import builtins
import copy
import importlib.util
import io
import os
import os.path as osp
import sys
from typing import Callable, Dict, List

import torch

APPLIED: List[str] = []

# Operator schemas registered by torchvision/csrc/ops/nms.cpp (0.28.0).
_TORCHVISION_FAKE_OPS = {
    'nms': 'nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor',
    'qnms': 'qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor',
}
_torchvision_lib = None  # keeps the schema registrations alive


def _torchvision_extension_loads() -> bool:
    spec = importlib.util.find_spec('torchvision')
    if spec is None or spec.submodule_search_locations is None:
        return True  # not installed: nothing to fix
    lib = osp.join(spec.submodule_search_locations[0], '_C.so')
    if not osp.exists(lib):
        return False
    try:
        torch.ops.load_library(lib)
    except (OSError, RuntimeError):
        return False
    return True


def fix_torchvision_cpu() -> bool:
    """Make a CUDA-built torchvision importable on CPU torch."""
    global _torchvision_lib
    if 'torchvision' in sys.modules or _torchvision_extension_loads():
        return False
    _torchvision_lib = torch.library.Library('torchvision', 'FRAGMENT')
    for name, schema in _TORCHVISION_FAKE_OPS.items():
        if not hasattr(torch.ops.torchvision, name):
            _torchvision_lib.define(schema)
    return True


def fix_safe_checkpoint_loading() -> bool:
    """Safe, hash-checked, name-aware checkpoint loading in mmengine."""
    from .zoo import loaders
    loaders.register()
    return True


def fix_dist_init_cpu() -> bool:
    """Initialise torch.distributed with gloo when there is no CUDA."""
    if torch.cuda.is_available():
        return False
    import torch.distributed as torch_dist
    from mmengine.device import (is_mlu_available, is_musa_available,
                                 is_npu_available)
    from mmengine.dist import utils as dist_utils
    original = dist_utils._init_dist_pytorch

    def _init_dist_pytorch(backend: str,
                           init_backend: str = 'torch',
                           **kwargs) -> None:
        if (init_backend != 'torch' or is_mlu_available()
                or is_npu_available() or is_musa_available()):
            return original(backend, init_backend=init_backend, **kwargs)
        # NCCL needs CUDA; configs written for GPUs say nccl.
        backend = 'gloo' if backend == 'nccl' else backend
        if os.environ.get('TORCHELASTIC_USE_AGENT_STORE') != 'True':
            torch_dist.init_process_group(backend=backend, **kwargs)
            return
        # Under torchrun the processes meet in the agent's store, which
        # outlives a restart (dist_train.sh MAX_RESTARTS): the restarted
        # gloo group could read the dead processes' addresses there and
        # fail with "connectFullMesh ... Connection refused". Each attempt
        # gets its own key prefix.
        store = torch_dist.PrefixStore(
            'mimae/attempt_' +
            os.environ.get('TORCHELASTIC_RESTART_COUNT', '0'),
            torch_dist.TCPStore(
                os.environ['MASTER_ADDR'],
                int(os.environ['MASTER_PORT']),
                is_master=False,
                **{
                    k: v
                    for k, v in kwargs.items() if k == 'timeout'
                }))
        torch_dist.init_process_group(
            backend=backend,
            store=store,
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']),
            **kwargs)

    dist_utils._init_dist_pytorch = _init_dist_pytorch
    return True


def fix_ddp_cpu_device_ids() -> bool:
    """Drop ``device_ids`` when DDP wraps a module that lives on the CPU."""
    if torch.cuda.is_available():
        return False
    from mmengine.model import MMDistributedDataParallel
    original = MMDistributedDataParallel.__init__

    def __init__(self, module: torch.nn.Module, *args, **kwargs) -> None:
        on_cpu = all(p.device.type == 'cpu' for p in module.parameters())
        if on_cpu and kwargs.get('device_ids') is not None:
            kwargs['device_ids'] = None
        original(self, module, *args, **kwargs)

    MMDistributedDataParallel.__init__ = __init__
    return True


def fix_collate_fn_scope() -> bool:
    """Drop the ``_scope_`` that ``pkg::`` inheritance adds to collate_fn."""
    import inspect

    from mmengine.runner import Runner
    original = Runner.build_dataloader
    if '_scope_' in inspect.getsource(original):
        return False  # an mmengine that handles it

    def build_dataloader(dataloader, *args, **kwargs):
        collate = dataloader.get('collate_fn') if isinstance(dataloader,
                                                             dict) else None
        if isinstance(collate, dict) and '_scope_' in collate:
            dataloader = copy.copy(dataloader)
            dataloader['collate_fn'] = {
                k: v
                for k, v in collate.items() if k != '_scope_'
            }
        return original(dataloader, *args, **kwargs)

    Runner.build_dataloader = staticmethod(build_dataloader)
    return True


def fix_atomic_local_backend() -> bool:
    """Make mmengine's local file writes atomic (temp file + rename)."""
    from mmengine.fileio.backends import register_backend

    from .engine.atomic_local_backend import AtomicLocalBackend
    register_backend('local', AtomicLocalBackend, force=True, prefixes='')
    return True


def fix_atomic_last_checkpoint() -> bool:
    """Write mmengine's ``last_checkpoint`` pointer atomically."""
    import inspect

    from mmengine.hooks import checkpoint_hook

    from .engine.atomic_local_backend import AtomicLocalBackend
    source = inspect.getsource(
        checkpoint_hook.CheckpointHook._save_checkpoint_with_step)
    if "with open(save_file, 'w')" not in source:
        return False  # mmengine changed how it writes the pointer

    class _AtomicText(io.StringIO):

        def __init__(self, path: str) -> None:
            super().__init__()
            self.path = path

        def __exit__(self, kind, *rest) -> None:
            if kind is None:
                AtomicLocalBackend().put_text(self.getvalue(), self.path)
            super().__exit__(kind, *rest)

    def open_pointer(file, mode='r', *args, **kwargs):
        if mode == 'w':
            return _AtomicText(file)
        return builtins.open(file, mode, *args, **kwargs)

    checkpoint_hook.open = open_pointer
    return True


def fix_plain_param_groups() -> bool:
    """Give optimizers plain-dict param groups, which torch.compile traces."""
    from mmengine.config import ConfigDict
    from mmengine.optim import OptimWrapper
    original = OptimWrapper.__init__

    def __init__(self, optimizer, *args, **kwargs) -> None:
        original(self, optimizer, *args, **kwargs)
        groups = self.optimizer.param_groups
        if any(isinstance(group, ConfigDict) for group in groups):
            groups[:] = [dict(group) for group in groups]

    OptimWrapper.__init__ = __init__
    return True


def fix_mimae_config_package() -> bool:
    """Let mmengine resolve ``mimae::`` config references."""
    from mmengine.config import config
    from mmengine.config.utils import MODULE2PACKAGE
    if MODULE2PACKAGE.get('mimae') == 'mimae':
        return False  # an mmengine release that knows mimae
    MODULE2PACKAGE['mimae'] = 'mimae'
    installed_path = config.get_installed_path

    def get_installed_path(package: str) -> str:
        path = installed_path(package)
        if not osp.isdir(path):  # an editable install
            spec = importlib.util.find_spec(package)
            if spec is not None and spec.origin is not None:
                return osp.dirname(spec.origin)
        return path

    config.get_installed_path = get_installed_path
    get_cfg_path = config.Config._get_cfg_path

    def _get_cfg_path(cfg_path: str, filename: str):
        path, scope = get_cfg_path(cfg_path, filename)
        # mimae has no registries: its modules live in MMPretrain's, MMDet's
        # and MMSeg's, which each of its configs picks by default_scope.
        return path, None if scope == 'mimae' else scope

    config.Config._get_cfg_path = staticmethod(_get_cfg_path)
    return True


def fix_sync_bn_cpu() -> bool:
    """Let ``SyncBN`` layers synchronise CPU tensors over gloo."""
    import inspect
    if torch.cuda.is_available():
        return False
    source = inspect.getsource(torch.nn.SyncBatchNorm.forward)
    if 'expected input tensor to be on GPU' not in source:
        return False  # a torch that synchronises CPU tensors itself
    import mmcv.cnn  # noqa: F401 (registers torch's SyncBN first)
    from mmengine.registry import MODELS

    from .models.utils.sync_batchnorm import CPUSyncBatchNorm
    MODELS.register_module('SyncBN', module=CPUSyncBatchNorm, force=True)
    return True


def fix_pretrained_init() -> bool:
    """Read a ``Pretrained`` file once, name it, and record what it held."""
    from mmengine.model.weight_init import PretrainedInit, update_init_info

    from .engine.pretrained_init import init_from_pretrained
    if getattr(PretrainedInit.__call__, '__mimae__', False):
        return False

    def __call__(self, module):
        init_from_pretrained(module, self.checkpoint, self.prefix,
                             self.map_location)
        if hasattr(module, '_params_init_info'):
            update_init_info(module, init_info=self._get_init_info())

    __call__.__mimae__ = True
    PretrainedInit.__call__ = __call__
    return True


def fix_checked_image_loading() -> bool:
    """Make every ``LoadImageFromFile`` name the file it cannot decode."""
    # MMPretrain registers mmcv's class in its own registry too; import it
    # first so that its registration does not come after (and clash).
    import mmpretrain.datasets  # noqa: F401
    from mmengine.registry import TRANSFORMS
    from mmpretrain.registry import TRANSFORMS as MMPRETRAIN_TRANSFORMS

    from .datasets.checked_load_image import LoadImageFromFileChecked
    if TRANSFORMS.get('LoadImageFromFile') is LoadImageFromFileChecked:
        return False
    for registry in (TRANSFORMS, MMPRETRAIN_TRANSFORMS):
        registry.register_module(
            'LoadImageFromFile', module=LoadImageFromFileChecked, force=True)
    return True


FIXES: Dict[str, Callable[[], bool]] = {
    'torchvision_cpu': fix_torchvision_cpu,
    'safe_checkpoint_loading': fix_safe_checkpoint_loading,
    'dist_init_cpu': fix_dist_init_cpu,
    'ddp_cpu_device_ids': fix_ddp_cpu_device_ids,
    'collate_fn_scope': fix_collate_fn_scope,
    'atomic_local_backend': fix_atomic_local_backend,
    'atomic_last_checkpoint': fix_atomic_last_checkpoint,
    'plain_param_groups': fix_plain_param_groups,
    'mimae_config_package': fix_mimae_config_package,
    'sync_bn_cpu': fix_sync_bn_cpu,
    'pretrained_init': fix_pretrained_init,
    'checked_image_loading': fix_checked_image_loading,
}


def apply_all() -> List[str]:
    """Apply every change once, except those named in ``MIMAE_SKIP_FIXES``.

    Returns:
        List[str]: the names of the changes in effect.

    Raises:
        ValueError: if ``MIMAE_SKIP_FIXES`` names an unknown change.
    """
    skip = {
        name.strip()
        for name in os.environ.get('MIMAE_SKIP_FIXES', '').split(',')
        if name.strip()
    }
    unknown = sorted(skip - set(FIXES))
    if unknown:
        raise ValueError(
            f'MIMAE_SKIP_FIXES names {unknown}, which mimae.compat does not '
            f'have; the known names are {sorted(FIXES)}.')
    for name, fix in FIXES.items():
        if name not in APPLIED and name not in skip and fix():
            APPLIED.append(name)
    return list(APPLIED)
