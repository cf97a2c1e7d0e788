"""The pre-training speed benchmark: its tool, and what it measures.

No timing is asserted; the tests check the tool runs on the tiny config and
that its FLOP and memory counts are right where they can be computed.
"""
import json
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from tests_support import REPO_ROOT, run_tool
from torch.nn.attention import SDPBackend, sdpa_kernel

from mimae.benchmark.pretrain_speed import (Arm, mae_twin, peak_step_memory,
                                            step_flops)

TINY = osp.join(
    REPO_ROOT, 'configs/pretrain/mimae_vit-tiny-p4_1xb64-coslr-20e_digits.py')


@pytest.fixture(scope='module')
def tiny_cfg():
    return Config.fromfile(TINY)


def test_tool_on_tiny_config(digits_root, tmp_path):
    """Step benchmark and the end-to-end pair, through the command line."""
    out = tmp_path / 'result.json'
    result = run_tool([
        'tools/analysis_tools/benchmark_pretrain.py', TINY, '--views', '16',
        '--repeats', '2', '--warmup', '1', '--e2e-epochs', '1', '--work-dir',
        tmp_path / 'e2e', '--out', out, '--cfg-options',
        f'train_dataloader.dataset.data_root={digits_root}',
        'train_dataloader.dataset.ann_file=meta/train_10percent.txt',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False'
    ])
    assert '| MAE | 16 x 1 |' in result.stdout
    assert '| MIMAE | 4 x 4 |' in result.stdout
    data = json.loads(out.read_text())
    mae, mimae = data['models']
    assert (mae['images'], mae['views'], mimae['images']) == (16, 16, 4)
    assert 'mi_heads' not in mae['parts_s']
    assert set(mimae['parts_s']) == {
        'preprocess', 'encoder', 'decoder', 'mi_heads', 'optimizer'
    }
    # Same encoder and decoder per view; MI-MAE embeds each image once.
    assert mimae['flops'] < mae['flops'] < 1.05 * mimae['flops']
    for row in (mae, mimae):
        assert row['memory_bytes'] > 0 and row['step_s'] > 0
        assert 0 < row['mfu'] < 1.5
    mae_run, mimae_run = data['end_to_end']['runs']
    # 143 images, batch 64: 3 iterations an epoch; MAE runs K=4 epochs.
    assert (mae_run['epochs'], mimae_run['epochs']) == (4, 1)
    assert (mae_run['iters'], mimae_run['iters']) == (12, 3)
    for run in (mae_run, mimae_run):
        pieces = run['pieces_s']
        assert abs(sum(pieces.values()) - run['wall_s']) < 1e-6
        for piece in ('data', 'forward', 'backward', 'optimizer', 'hooks',
                      'checkpoint'):
            assert pieces[piece] > 0, piece
    assert osp.isfile(tmp_path / 'e2e' / 'mimae' / 'epoch_1.pth')


def test_flops_count_cpu_flash_attention(tiny_cfg):
    """The step's FLOPs with the CPU flash kernel (counted by the custom
    formulas) are those with the math kernel (plain matmuls, counted by
    torch) plus the flash backward's recomputation of the attention scores,
    one B x H x N x N x d matmul per block."""
    arm = Arm('MIMAE', tiny_cfg, 8, torch.device('cpu'), False)
    flash = step_flops(arm)
    with sdpa_kernel(SDPBackend.MATH):
        math = step_flops(arm)
    backbone, neck = arm.model.backbone, tiny_cfg.model.neck
    rows = arm.views  # sequences in the encoder and in the decoder
    encoder = backbone.num_layers * 2 * rows * (1 + backbone.num_visible)**2 \
        * backbone.embed_dims
    decoder = neck.decoder_depth * 2 * rows * (1 + neck.num_patches)**2 \
        * neck.decoder_embed_dim
    assert math > 0 and flash == math + encoder + decoder


def test_mae_twin_is_mmpretrain_mae_with_same_weights(tiny_cfg):
    from mmpretrain.models import MAE
    twin = Arm('MAE', tiny_cfg, 8, torch.device('cpu'), False,
               mae_twin(tiny_cfg.model))
    mimae = Arm('MIMAE', tiny_cfg, 8, torch.device('cpu'), False)
    assert type(twin.model) is MAE and twin.batch_size == 8
    assert mimae.batch_size == 2
    shapes = {
        k: v.shape
        for k, v in mimae.model.state_dict().items() if not k.startswith('mi_')
    }
    assert shapes == {k: v.shape for k, v in twin.model.state_dict().items()}


def test_views_must_divide_into_images(tiny_cfg):
    with pytest.raises(ValueError, match='not a multiple'):
        Arm('MIMAE', tiny_cfg, 6, torch.device('cpu'), False)


def test_peak_memory_follows_allocations():
    """On CPU the peak comes from the profiler's allocation events."""
    mib = 2**20

    def step():
        a = torch.ones(2 * mib // 4)  # 2 MiB
        b = torch.ones(mib // 4)  # 1 MiB: 3 MiB live
        del a, b
        c = torch.ones(mib // 4)  # 1 MiB
        return c

    arm = SimpleNamespace(
        device=torch.device('cpu'),
        step=step,
        optim_wrapper=SimpleNamespace(zero_grad=lambda: None))
    peak = peak_step_memory(arm)
    assert 3 * mib <= peak < 3 * mib + 64 * 1024


def test_parts_and_the_remainder_add_up_to_the_step(monkeypatch):
    """What the parts timed alone do not cover is reported as ``other``.

    A clock that gives the step 100 ms and each part 10 ms makes the
    accounting exact (real timings are too noisy to test it on 2 cores).
    """
    from mimae.benchmark import pretrain_speed

    def clock(fn, device):
        fn()
        return 0.1 if getattr(fn, '__func__', None) is Arm.step else 0.01

    monkeypatch.setattr(pretrain_speed, '_timed', clock)
    result = pretrain_speed.benchmark(
        TINY, views=8, repeats=2, warmup=1, device='cpu', log=lambda m: None)
    mae, mimae = result['models']
    assert mae['other_s'] == pytest.approx(0.1 - 4 * 0.01)
    assert mimae['other_s'] == pytest.approx(0.1 - 5 * 0.01)
    table = pretrain_speed.format_table(result)
    header, _, *rows = table.split('\n\n')[0].splitlines()
    columns = [c.strip() for c in header.strip('|').split('|')]
    shares = [i for i, c in enumerate(columns) if c.endswith(' %')][:-1]
    assert columns[shares[-1]] == 'other %'  # MFU % is not a share
    for line in rows:
        cells = [c.strip() for c in line.strip('|').split('|')]
        assert sum(float(cells[i]) for i in shares
                   if cells[i] != '-') == pytest.approx(
                       100, abs=0.1)
    assert '| MIMAE | 2 x 4 | 100.0 | 12.500 | 1.000 | 10.0 |' in table
