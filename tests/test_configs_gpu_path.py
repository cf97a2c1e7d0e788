"""The GPU path of the pre-training configs, proved on the CPU.

bf16 AMP where the device has it, fused AdamW, attention through torch's
scaled_dot_product_attention, and an opt-in torch.compile: each is checked to
be applied, not only configured.
"""
import os.path as osp
import subprocess
import sys
import textwrap

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import AmpOptimWrapper, OptimWrapper, build_optim_wrapper
from mmpretrain.registry import MODELS
from torch.profiler import profile

import mimae  # noqa: F401 (registers AutoAmpOptimWrapper)

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PRETRAIN = osp.join(REPO_ROOT, 'configs', 'pretrain')
TINY = osp.join(PRETRAIN, 'mimae_vit-tiny-p4_1xb64-coslr-20e_digits.py')
GPU_CONFIGS = [
    'mimae_vit-base-p16_8xb128-amp-coslr-400e_in1k.py',
    'mimae_vit-large-p16_8xb128-amp-coslr-400e_in1k.py',
    'mae_vit-base-p16_8xb512-amp-coslr-400e_in1k.py',
    'mae_vit-base-p16_8xb512-amp-coslr-1600e_in1k.py',
]


def _small_model():
    return torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.LayerNorm(4))


@pytest.mark.parametrize('name', GPU_CONFIGS)
def test_large_configs_use_auto_amp_and_fused_adamw(name):
    cfg = Config.fromfile(osp.join(PRETRAIN, name))
    assert cfg.optim_wrapper.type == 'AutoAmpOptimWrapper'
    wrapper = build_optim_wrapper(_small_model(), cfg.optim_wrapper)
    # No GPU here: fp32, and the fused kernel is what AdamW runs.
    assert type(wrapper) is OptimWrapper
    assert type(wrapper.optimizer) is torch.optim.AdamW
    assert wrapper.optimizer.defaults['fused'] is True
    if name.startswith('mimae'):
        assert wrapper._accumulative_counts == 4


@pytest.mark.parametrize('bf16, dtype', [(True, torch.bfloat16),
                                         (False, torch.float16)])
def test_auto_amp_picks_the_gpu_dtype(monkeypatch, bf16, dtype):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'is_bf16_supported', lambda: bf16)
    wrapper = build_optim_wrapper(
        _small_model(),
        dict(
            type='AutoAmpOptimWrapper',
            optimizer=dict(type='AdamW', lr=1e-3),
            accumulative_counts=2))
    assert isinstance(wrapper, AmpOptimWrapper)
    assert wrapper.cast_dtype == dtype
    assert wrapper._accumulative_counts == 2


def test_attention_runs_through_sdpa():
    """Every encoder and decoder block of MI-MAE calls torch's fused SDPA
    (forward and backward), and no attention is computed by hand."""
    cfg = Config.fromfile(TINY)
    model = MODELS.build(cfg.model)
    inputs = torch.randn(2, 3, 32, 32)
    with profile() as prof:
        losses = model(inputs, None, mode='loss')
        sum(v for k, v in losses.items() if 'loss' in k).backward()
    names = [e.name for e in prof.events()]
    blocks = (
        cfg.model.backbone.arch.num_layers + cfg.model.neck.decoder_depth)
    assert names.count('aten::scaled_dot_product_attention') == blocks
    assert names.count(
        'aten::_scaled_dot_product_flash_attention_for_cpu_backward') == blocks
    assert 'aten::softmax' not in names


def test_compile_is_opt_in_and_applied(digits_root, tmp_path):
    """Three iterations of the tiny config with compile on; the dynamo
    backend counts the graphs it receives. In a child process, since a
    runner leaves its scope, logger and visualizer current in this one."""
    assert Config.fromfile(TINY).compile is False
    code = textwrap.dedent(f'''
        import torch
        import mimae
        from mmengine.config import Config
        from mmengine.runner import Runner
        graphs = []

        def counting_backend(gm, example_inputs):
            graphs.append(gm)
            return gm.forward

        # The runner dumps its config as text, so the backend goes by name.
        torch._dynamo.register_backend(counting_backend, 'counting')
        cfg = Config.fromfile({TINY!r})
        cfg.merge_from_dict({{
            'train_dataloader.dataset.data_root': {digits_root!r},
            'train_dataloader.dataset.ann_file': 'meta/train_10percent.txt',
            'train_dataloader.num_workers': 0,
            'train_dataloader.persistent_workers': False,
            'train_cfg.max_epochs': 1,
            'default_hooks.checkpoint': None,
            'work_dir': {str(tmp_path)!r},
        }})
        cfg.compile = dict(backend='counting')
        runner = Runner.from_cfg(cfg)
        runner.train()
        print('iterations', runner.iter, 'graphs', len(graphs))
        ''')
    result = subprocess.run([sys.executable, '-c', code],
                            capture_output=True,
                            text=True,
                            cwd=REPO_ROOT,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    words = result.stdout.split()
    assert words[-4:-2] == ['iterations', '3']
    assert int(words[-1]) > 0, 'torch.compile never handed a graph over'
