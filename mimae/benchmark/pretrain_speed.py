"""Speed, memory and FLOPs of one pre-training step, MI-MAE against MAE.

The comparison is per masked view: an MI-MAE step on ``B`` images of ``K``
masks encodes and decodes ``K * B`` views, and MMPretrain's MAE with the same
encoder and decoder is given ``K * B`` images, as many views. Both models are
built from configs and measured in one process, alternating, after warm-up;
times are medians over repeats, with the device synchronised around each
timed call. Measured for each model:

- the full training step (``model.train_step``: data preprocessing, forward,
  backward, optimizer), and its parts timed alone: data preprocessing,
  encoder (forward + backward), decoder with the pixel loss (forward +
  backward), the MI heads (forward + backward) and the optimizer step,
  with the remainder (``other``: the step less its parts) reported beside
  them, so that the parts and the remainder add up to the step;
- the peak memory the step allocates above what lives before it (weights,
  optimizer state), from CUDA's allocator or, on CPU, from the profiler's
  allocation events;
- the FLOPs of forward and backward (``torch.utils.flop_counter``), the
  achieved FLOP/s and their ratio to the device's measured peak: a large
  fp32 GEMM on CPU, a bf16 GEMM on GPU.
"""
import copy
import statistics
import time
from typing import Callable, Dict, List, Optional, Tuple

import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from torch.profiler import ProfilerActivity, profile
from torch.utils.flop_counter import (FlopCounterMode,
                                      sdpa_backward_flop_count,
                                      sdpa_flop_count)

PARTS = ('preprocess', 'encoder', 'decoder', 'mi_heads', 'optimizer')


def mae_twin(model_cfg: dict) -> dict:
    """MMPretrain's MAE with the encoder and decoder of an MI-MAE config."""
    cfg = copy.deepcopy(model_cfg)
    cfg['type'] = 'mmpretrain.MAE'
    cfg['backbone']['type'] = 'mmpretrain.MAEViT'
    cfg['backbone'].pop('num_masks', None)
    for key in ('mi_max_head', 'mi_min_head', 'feature'):
        cfg.pop(key, None)
    return cfg


def _sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def _timed(fn: Callable[[], None], device: torch.device) -> float:
    _sync(device)
    start = time.perf_counter()
    fn()
    _sync(device)
    return time.perf_counter() - start


class Arm:
    """One model of the comparison with its optimizer and a fixed batch.

    Args:
        name (str): Row name in the table.
        cfg (Config): Pre-training config; only ``model``, ``optim_wrapper``
            and the image size are used.
        views (int): Masked views per step.
        device (torch.device): Where to run.
        amp (bool): bf16 autocast in the step (through mmengine's
            ``AmpOptimWrapper``).
        model_cfg (dict, optional): Replaces ``cfg.model`` (the MAE twin).
    """

    def __init__(self,
                 name: str,
                 cfg: Config,
                 views: int,
                 device: torch.device,
                 amp: bool,
                 model_cfg: Optional[dict] = None) -> None:
        from mmpretrain.registry import MODELS
        self.name = name
        self.device = device
        model_cfg = copy.deepcopy(model_cfg or cfg.model)
        # What the runner does with a top-level data_preprocessor.
        model_cfg.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            self.model = MODELS.build(model_cfg).to(device)
            self.model.init_weights()
            self.model.train()
            self.optim_wrapper = build_optim_wrapper(
                self.model, self._optim_cfg(cfg.optim_wrapper, amp))
        self.views_per_image = getattr(self.model.backbone, 'num_masks', 1)
        if views % self.views_per_image:
            raise ValueError(f'--views {views} is not a multiple of {name}\'s '
                             f'{self.views_per_image} masks per image.')
        self.batch_size = views // self.views_per_image
        self.views = views
        size = self.model.backbone.patch_resolution
        patch = self.model.head.patch_size
        self.batch = dict(
            inputs=torch.randint(
                0,
                256, (self.batch_size, 3, size[0] * patch, size[1] * patch),
                dtype=torch.uint8,
                device=device),
            data_samples=None)

    @staticmethod
    def _optim_cfg(cfg: dict, amp: bool) -> dict:
        """The config's optimizer, one step per update, AMP as asked."""
        cfg = copy.deepcopy(dict(cfg))
        cfg.pop('accumulative_counts', None)
        cfg.pop('loss_scale', None)
        cfg.pop('dtype', None)
        cfg['type'] = 'AmpOptimWrapper' if amp else 'OptimWrapper'
        if amp:
            cfg['dtype'] = 'bfloat16'
        return cfg

    def step(self) -> None:
        """One training step exactly as the runner makes it."""
        self.model.train_step(self.batch, self.optim_wrapper)

    def parts(self) -> Dict[str, Callable[[], None]]:
        """Each part of the step alone (forward and backward)."""
        model, ow = self.model, self.optim_wrapper
        inputs = model.data_preprocessor(self.batch, True)['inputs']
        with torch.no_grad(), ow.optim_context(model):
            latent, mask, ids_restore, *rest = model.backbone(inputs)
        latent_grad = torch.randn_like(latent)
        is_mimae = hasattr(model, 'mi_losses')

        def preprocess():
            with torch.no_grad():
                model.data_preprocessor(self.batch, True)

        def encoder():
            with ow.optim_context(model):
                out = model.backbone(inputs)[0]
            out.backward(latent_grad)

        def decoder():
            leaf = latent.detach().requires_grad_()
            with ow.optim_context(model):
                if is_mimae:
                    loss = model.reconstruction_loss(inputs, leaf, mask,
                                                     ids_restore)
                else:
                    loss = model.head.loss(
                        model.neck(leaf, ids_restore), inputs, mask)
            loss.backward()

        def mi_heads():
            leaf = latent.detach().requires_grad_()
            with ow.optim_context(model):
                losses = model.mi_losses(leaf, rest[0])
            sum(losses[k] for k in losses if 'loss' in k).backward()

        def optimizer():
            ow.step()
            ow.zero_grad()

        parts = dict(preprocess=preprocess, encoder=encoder, decoder=decoder)
        if is_mimae and (model.mi_max_head or model.mi_min_head):
            parts['mi_heads'] = mi_heads
        parts['optimizer'] = optimizer
        return parts

    def fill_grads(self) -> None:
        """Give every parameter a gradient, so the optimizer updates all."""
        for param in self.model.parameters():
            if param.requires_grad:
                param.grad = torch.zeros_like(param)


def _cpu_flash_attention_flops(query, key, value, *args, **kwargs) -> int:
    return sdpa_flop_count(query, key, value)


def _cpu_flash_attention_backward_flops(grad_out, query, key, value, *args,
                                        **kwargs) -> int:
    return sdpa_backward_flop_count(grad_out, query, key, value)


def step_flops(arm: Arm) -> int:
    """FLOPs of one step's forward and backward (matmuls, convs, attention).

    The CPU flash-attention kernels are not in torch's FLOP table; they are
    counted with torch's own SDPA formulas.
    """
    aten = torch.ops.aten
    custom = {
        aten._scaled_dot_product_flash_attention_for_cpu:
        _cpu_flash_attention_flops,
        aten._scaled_dot_product_flash_attention_for_cpu_backward:
        _cpu_flash_attention_backward_flops,
    }
    counter = FlopCounterMode(display=False, custom_mapping=custom)
    with counter:
        arm.step()
    return counter.get_total_flops()


def peak_step_memory(arm: Arm) -> int:
    """Bytes a step allocates at its peak above what lives before it."""
    device = arm.device
    arm.optim_wrapper.zero_grad()
    if device.type == 'cuda':
        _sync(device)
        base = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        arm.step()
        _sync(device)
        return torch.cuda.max_memory_allocated(device) - base
    with profile(
            activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        arm.step()
    events = [
        e for e in prof.profiler.kineto_results.events()
        if e.name() == '[memory]' and e.device_type().name == 'CPU'
    ]
    events.sort(key=lambda e: e.start_ns())
    live = peak = 0
    for event in events:
        live += event.nbytes()
        peak = max(peak, live)
    return peak


def device_peak_flops(device: torch.device, amp: bool) -> Tuple[float, str]:
    """Measured matmul peak: fp32 GEMM on CPU, bf16 (or fp32) on GPU."""
    if device.type == 'cuda':
        n, dtype, repeats = 8192, torch.bfloat16 if amp else torch.float32, 20
    else:
        n, dtype, repeats = 2048, torch.float32, 5
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    for _ in range(2):
        a @ b
    best = min(_timed(lambda: a @ b, device) for _ in range(repeats))
    what = f'{n}x{n} {str(dtype).split(".")[-1]} matmul'
    return 2 * n**3 / best, what


def benchmark(config: str,
              baseline: Optional[str] = None,
              views: Optional[int] = None,
              repeats: int = 10,
              warmup: int = 3,
              device: str = 'auto',
              amp: str = 'auto',
              cfg_options: Optional[dict] = None,
              log: Callable[[str], None] = print) -> dict:
    """Measure a config against MAE; see the module docstring.

    Args:
        config (str): MI-MAE pre-training config.
        baseline (str, optional): Config of the baseline; by default
            MMPretrain's MAE with the config's encoder and decoder.
        views (int, optional): Masked views per step; defaults to the
            config's batch size times its masks per image.
        repeats (int): Timed repeats of each measurement.
        warmup (int): Untimed steps first.
        device (str): ``'auto'`` (CUDA when available), ``'cpu'`` or
            ``'cuda'``.
        amp (str): ``'auto'`` (bf16 autocast on a GPU that supports it),
            ``'bf16'`` or ``'off'``.
        cfg_options (dict, optional): Overrides merged into ``config``.
        log (Callable): Progress messages.

    Returns:
        dict: settings, the device peak and one entry per model.
    """
    import mimae  # noqa: F401 (registers the models)
    if device == 'auto':
        device = 'cuda' if torch.cuda.is_available() else 'cpu'
    dev = torch.device(device)
    if amp == 'auto':
        use_amp = dev.type == 'cuda' and torch.cuda.is_bf16_supported()
    else:
        use_amp = amp == 'bf16'
    if use_amp and dev.type != 'cuda':
        raise ValueError('--amp bf16 needs a GPU: mmengine\'s AmpOptimWrapper'
                         ' runs only on accelerators.')
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    num_masks = cfg.model.backbone.get('num_masks', 1)
    if views is None:
        views = cfg.train_dataloader.batch_size * num_masks
    if baseline:
        base_cfg, base_model = Config.fromfile(baseline), None
    else:
        base_cfg, base_model = cfg, mae_twin(cfg.model)
    arms = [
        Arm('MAE', base_cfg, views, dev, use_amp, base_model),
        Arm(cfg.model.type, cfg, views, dev, use_amp)
    ]
    log(f'{views} views per step on {dev}: ' +
        ', '.join(f'{a.name} {a.batch_size} images x {a.views_per_image}'
                  for a in arms))

    for arm in arms:
        for _ in range(warmup):
            arm.step()
    times: Dict[str, Dict[str, List[float]]] = {a.name: {} for a in arms}
    parts = {a.name: a.parts() for a in arms}
    for _ in range(repeats):
        for arm in arms:
            times[arm.name].setdefault('step',
                                       []).append(_timed(arm.step, dev))
            for part, fn in parts[arm.name].items():
                if part == 'optimizer':
                    arm.fill_grads()
                times[arm.name].setdefault(part, []).append(_timed(fn, dev))
                if part != 'optimizer':
                    arm.optim_wrapper.zero_grad()
    peak, peak_what = device_peak_flops(dev, use_amp)

    models = []
    for arm in arms:
        median = {k: statistics.median(v) for k, v in times[arm.name].items()}
        parts_s = {k: v for k, v in median.items() if k != 'step'}
        flops = step_flops(arm)
        memory = peak_step_memory(arm)
        models.append(
            dict(
                name=arm.name,
                images=arm.batch_size,
                views=arm.views,
                params=sum(p.numel() for p in arm.model.parameters()),
                step_s=median['step'],
                step_s_spread=[
                    min(times[arm.name]['step']),
                    max(times[arm.name]['step'])
                ],
                parts_s=parts_s,
                # What the parts timed alone do not explain: work outside
                # them in the step (loss parsing, logged scalars' syncs),
                # plus the cost of timing a part by itself; negative when the
                # parts cost more alone. Parts plus this are the step.
                other_s=median['step'] - sum(parts_s.values()),
                per_view_ms=1e3 * median['step'] / arm.views,
                memory_bytes=memory,
                memory_per_view_bytes=memory / arm.views,
                flops=flops,
                achieved_flops=flops / median['step'],
                mfu=flops / median['step'] / peak))
    ref = models[0]
    for row in models:
        row['ratio_per_view'] = row['per_view_ms'] / ref['per_view_ms']
        row['ratio_memory_per_view'] = (
            row['memory_per_view_bytes'] / ref['memory_per_view_bytes'])
    return dict(
        config=config,
        baseline=baseline or 'MAE twin of the config',
        device=torch.cuda.get_device_name(dev)
        if dev.type == 'cuda' else f'cpu ({torch.get_num_threads()} threads)',
        amp='bf16' if use_amp else 'off',
        torch=torch.__version__,
        views=views,
        repeats=repeats,
        warmup=warmup,
        peak_flops=peak,
        peak_measured_by=peak_what,
        models=models)


def format_table(result: dict) -> str:
    """A Markdown table of :func:`benchmark`'s result."""
    models = result['models']
    part_names = [p for p in PARTS if any(p in m['parts_s'] for m in models)]
    head = ['model', 'images x masks', 'step ms', 'ms / view', 'vs MAE'
            ] + [f'{p} %' for p in part_names] + [
                'other %', 'MB / view', 'mem vs MAE', 'GFLOP / step',
                'TFLOP/s', 'MFU %'
            ]
    rows = []
    for m in models:
        step = m['step_s']
        rows.append([
            m['name'], f"{m['images']} x {m['views'] // m['images']}",
            f'{1e3 * step:.1f}', f"{m['per_view_ms']:.3f}",
            f"{m['ratio_per_view']:.3f}"
        ] + [
            f"{100 * m['parts_s'][p] / step:.1f}" if p in m['parts_s'] else '-'
            for p in part_names
        ] + [
            f"{100 * m['other_s'] / step:.1f}",
            f"{m['memory_per_view_bytes'] / 2**20:.2f}",
            f"{m['ratio_memory_per_view']:.3f}", f"{m['flops'] / 1e9:.2f}",
            f"{m['achieved_flops'] / 1e12:.3f}", f"{100 * m['mfu']:.1f}"
        ])
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    lines += ['| ' + ' | '.join(r) + ' |' for r in rows]
    lines.append(
        f"\n{result['views']} views per step, {result['device']}, AMP "
        f"{result['amp']}, torch {result['torch']}; medians of "
        f"{result['repeats']} alternating repeats after {result['warmup']} "
        f"warm-up steps. Parts are timed alone (forward + backward), as % of "
        f"the step; other % is the step less its parts (work outside them, "
        f"and what timing a part alone adds or saves), so a row sums to 100. "
        f"Peak {result['peak_flops'] / 1e12:.3f} TFLOP/s "
        f"({result['peak_measured_by']}).")
    return '\n'.join(lines)
