"""Each fix in mimae.compat: needed on this stack, and working once applied."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from mimae import compat

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CPU_ONLY = not torch.cuda.is_available()


def run_python(code: str,
               env: dict = None,
               cwd: str = REPO_ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, '-c', textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=dict(os.environ, **(env or {})),
        timeout=300)


def test_every_needed_fix_is_applied():
    # The safe checkpoint loaders are always in place (mmengine 0.10.7's
    # fail on its own checkpoints under torch >= 2.6); the PyPI torchvision
    # (a CUDA build) only breaks on a CPU build of torch; the distributed
    # fixes are for machines without CUDA. On a GPU machine those stay off.
    expected = {
        'safe_checkpoint_loading', 'collate_fn_scope', 'atomic_local_backend',
        'atomic_last_checkpoint', 'plain_param_groups', 'mimae_config_package',
        'pretrained_init', 'checked_image_loading'
    }
    if torch.version.cuda is None:
        expected.add('torchvision_cpu')
    if CPU_ONLY:
        expected |= {'dist_init_cpu', 'ddp_cpu_device_ids', 'sync_bn_cpu'}
    assert set(compat.APPLIED) == expected


def test_torchvision_imports_only_with_the_fix():
    if 'torchvision_cpu' not in compat.APPLIED:
        pytest.skip('torchvision loads its own extension here')
    bare = run_python('import torchvision')
    assert bare.returncode != 0
    assert 'torchvision::nms' in bare.stderr
    fixed = run_python('''
        import mimae, torchvision
        import mmpretrain.models, mmdet.models, mmseg.models
        from torchvision.transforms import functional as F
        img = F.resize(__import__('torch').rand(3, 8, 8), [4, 4])
        print(tuple(img.shape))
        ''')
    assert fixed.returncode == 0, fixed.stderr
    assert '(3, 4, 4)' in fixed.stdout


def test_runner_checkpoint_loads(tmp_path):
    """mmengine checkpoints hold HistoryBuffer and numpy objects: they load
    through mmengine's own entry point, still without full unpickling."""
    from mmengine.logging import HistoryBuffer
    from mmengine.runner.checkpoint import _load_checkpoint
    path = str(tmp_path / 'ckpt.pth')
    torch.save(
        {
            'meta': {
                'hist': HistoryBuffer([1., 2.], [1, 1]),
                'arr': np.arange(3)
            },
            'state_dict': {
                'w': torch.ones(2)
            }
        }, path)
    with pytest.raises(Exception, match='Weights only load failed'):
        torch.load(path)  # torch >= 2.6 default: why the fix exists
    ckpt = _load_checkpoint(path, map_location='cpu')
    assert torch.equal(ckpt['state_dict']['w'], torch.ones(2))
    assert list(ckpt['meta']['arr']) == [0, 1, 2]


@pytest.mark.skipif(not CPU_ONLY, reason='CPU-only fixes')
def test_distributed_init_and_ddp_on_cpu(free_port):
    """A config that says nccl, wrapped like mmengine wraps, on CPU."""
    result = run_python(
        '''
        import mimae, torch
        from mmengine.dist import init_dist
        from mmengine.model import MMDistributedDataParallel
        init_dist('pytorch', backend='nccl')
        print('backend', torch.distributed.get_backend())
        ddp = MMDistributedDataParallel(
            module=torch.nn.Linear(2, 2), device_ids=[0])
        print('device_ids', ddp.device_ids)
        ''',
        env=dict(
            RANK='0',
            LOCAL_RANK='0',
            WORLD_SIZE='1',
            MASTER_ADDR='127.0.0.1',
            MASTER_PORT=free_port))
    assert result.returncode == 0, result.stderr
    assert 'backend gloo' in result.stdout
    assert 'device_ids None' in result.stdout


def test_fixes_are_idempotent():
    before = list(compat.APPLIED)
    assert compat.apply_all() == before


def test_changes_can_be_turned_off_by_name():
    code = """
        import mimae
        from mimae import compat
        from mmengine.fileio.backends.registry_utils import backends
        print(sorted(compat.APPLIED), backends['local'].__name__)
    """
    skipped = run_python(
        code, env=dict(MIMAE_SKIP_FIXES='atomic_local_backend'))
    assert skipped.returncode == 0, skipped.stderr[-3000:]
    assert 'atomic_local_backend' not in skipped.stdout
    assert skipped.stdout.split()[-1] == 'LocalBackend'
    default = run_python(code)
    assert default.stdout.split()[-1] == 'AtomicLocalBackend'


def test_unknown_change_name_is_refused():
    bad = run_python('import mimae', env=dict(MIMAE_SKIP_FIXES='atomic'))
    assert bad.returncode != 0
    assert "MIMAE_SKIP_FIXES names ['atomic']" in bad.stderr
    assert 'atomic_local_backend' in bad.stderr


def test_collate_fn_inherited_from_another_package_builds():
    """``mmpretrain::`` inheritance tags collate_fn with ``_scope_``."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(
        os.path.join(
            REPO_ROOT, 'configs/pretrain/mimae_vit-tiny-p4_1xb64-coslr-20e_'
            'digits.py'))
    assert cfg.train_dataloader.collate_fn._scope_ == 'mmpretrain'
    dataloader = dict(
        batch_size=2,
        dataset=[torch.zeros(3), torch.ones(3)],
        sampler=dict(type='DefaultSampler', shuffle=False),
        collate_fn=cfg.train_dataloader.collate_fn)
    batch = next(iter(Runner.build_dataloader(dataloader)))
    assert batch.shape == (2, 3)
    # The config itself is left as it was.
    assert cfg.train_dataloader.collate_fn._scope_ == 'mmpretrain'


def test_the_last_checkpoint_pointer_is_written_atomically(tmp_path):
    from mmengine.hooks import checkpoint_hook
    pointer = tmp_path / 'last_checkpoint'
    with checkpoint_hook.open(str(pointer), 'w') as f:
        f.write('/work/iter_2.pth')
    assert pointer.read_text() == '/work/iter_2.pth'
    # A failure in the middle of the write leaves the old pointer.
    with pytest.raises(KeyboardInterrupt):
        with checkpoint_hook.open(str(pointer), 'w') as f:
            f.write('/work/iter_')
            raise KeyboardInterrupt
    assert pointer.read_text() == '/work/iter_2.pth'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['last_checkpoint']


def test_optimizer_param_groups_are_plain_dicts():
    """mmengine builds them as ConfigDicts, which torch.compile cannot trace
    (the compile run itself: tests/test_configs_gpu_path.py)."""
    from mmengine.config import Config, ConfigDict
    from mmengine.optim import build_optim_wrapper
    cfg = Config(
        dict(
            optim_wrapper=dict(
                optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
                paramwise_cfg=dict(bias_decay_mult=0.0))))
    model = torch.nn.Linear(2, 2)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    groups = wrapper.optimizer.param_groups
    assert [type(g) for g in groups] == [dict, dict]
    assert groups[1]['weight_decay'] == 0.0  # the bias group kept its setting
    # and the optimizer still updates through them
    model.weight.grad = torch.ones_like(model.weight)
    before = model.weight.detach().clone()
    wrapper.step()
    assert not torch.equal(before, model.weight)

    bare = run_python('''
        from mmengine.config import Config, ConfigDict
        from mmengine.optim import build_optim_wrapper
        import torch
        cfg = Config(dict(optim_wrapper=dict(
            optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
            paramwise_cfg=dict(bias_decay_mult=0.0))))
        w = build_optim_wrapper(torch.nn.Linear(2, 2), cfg.optim_wrapper)
        print(type(w.optimizer.param_groups[0]).__name__)
        ''')
    assert bare.stdout.split()[-1] == ConfigDict.__name__, bare.stderr


def test_configs_can_build_on_mimae_configs(tmp_path):
    """``_base_ = 'mimae::...'`` resolves, here through the editable install,
    run from outside the repository (the wheel's case is
    tests/test_wheel.py); mmengine alone refuses it."""
    (tmp_path / 'user.py').write_text(
        "_base_ = 'mimae::pretrain/mimae_vitb.py'\n"
        'model = dict(backbone=dict(num_masks=2))\n')
    code = f"""
        from mmengine.config import Config
        cfg = Config.fromfile({str(tmp_path / 'user.py')!r})
        print(cfg.model.type, cfg.model.backbone.num_masks,
              cfg.model.backbone.arch)
    """
    fixed = run_python(
        'import mimae\n' + textwrap.dedent(code), cwd=str(tmp_path))
    assert fixed.returncode == 0, fixed.stderr[-3000:]
    assert fixed.stdout.split() == ['MIMAE', '2', 'b']
    bare = run_python(code, cwd=str(tmp_path))
    assert bare.returncode != 0
    assert 'does not support to load mimae config' in bare.stderr


def test_a_config_built_on_mimae_builds_as_the_base_does(tmp_path):
    """mmengine stamps ``_scope_='mimae'`` on the types of a ``mimae::``
    base, and mimae has no registry of that scope: the k-NN classifier
    (registered in MMPretrain's) was looked up in mmengine's root."""
    from mmengine.config import Config
    from mmengine.registry import MODELS, DefaultScope
    (tmp_path / 'knn.py').write_text(
        "_base_ = 'mimae::cls/mimae_vit-tiny-p4_knn-k20_digits.py'\n"
        'model = dict(k=5)\n')
    cfg = Config.fromfile(str(tmp_path / 'knn.py'))
    assert 'mimae' not in {
        d.get('_scope_')
        for d in (cfg.model, cfg.custom_hooks[0], cfg.model.image_encoder)
    }
    cfg.model.prototype.dataset.data_root = str(tmp_path)  # not read here
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'WeightedKNNClassifier' and model.topk == 5


SYNC_BN_WORKER = """
import sys, torch
import mimae
import torch.distributed as dist
from mmcv.cnn import build_norm_layer
dist.init_process_group('gloo')
rank = dist.get_rank()
data = torch.load(sys.argv[1])
rows = slice(0, 4) if rank == 0 else slice(4, None)  # 4 and 6 samples
x = data['x'][rows].clone().requires_grad_()
bn = build_norm_layer(dict(type='SyncBN'), x.shape[1])[1]
with torch.no_grad():
    bn.weight.copy_(data['weight'])
    bn.bias.copy_(data['bias'])
try:
    y = bn(x)
except ValueError as error:
    print(type(bn).__name__, 'refused:', error)
    sys.exit(3)
(y * data['w'][rows]).sum().backward()
torch.save(
    dict(y=y.detach(), grad=x.grad, weight_grad=bn.weight.grad,
         bias_grad=bn.bias.grad, running_mean=bn.running_mean,
         running_var=bn.running_var, steps=bn.num_batches_tracked,
         kind=type(bn).__name__), sys.argv[2] % rank)
dist.destroy_process_group()
"""


def run_two_ranks(code, args, port, env=None):
    """``code`` as ranks 0 and 1 of a gloo group; their return codes and
    output."""
    base = dict(
        os.environ,
        WORLD_SIZE='2',
        MASTER_ADDR='127.0.0.1',
        MASTER_PORT=port,
        **(env or {}))
    procs = [
        subprocess.Popen([sys.executable, '-c', code, *args],
                         env=dict(base, RANK=str(rank)),
                         cwd=REPO_ROOT,
                         stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT,
                         text=True) for rank in range(2)
    ]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    return [(p.returncode, out) for p, out in zip(procs, outputs)]


def sync_bn_data(path):
    torch.manual_seed(0)
    data = dict(
        x=torch.randn(10, 3, 2) * 3 + 1,  # N x C x L: BN over N and L
        w=torch.randn(10, 3, 2),
        weight=torch.rand(3) + 0.5,
        bias=torch.randn(3))
    torch.save(data, path)
    return data


@pytest.mark.skipif(not CPU_ONLY, reason='CPU-only fixes')
def test_sync_bn_needs_the_fix_on_cpu_processes(tmp_path, free_port):
    """torch's SyncBatchNorm refuses CPU tensors under gloo: why the fix
    exists (if this fails, torch does it now and the fix can go)."""
    sync_bn_data(tmp_path / 'data.pt')
    results = run_two_ranks(
        SYNC_BN_WORKER,
        [str(tmp_path / 'data.pt'),
         str(tmp_path / 'out%d.pt')],
        free_port,
        env=dict(MIMAE_SKIP_FIXES='sync_bn_cpu'))
    for code, out in results:
        assert code == 3, out[-3000:]
        assert ('SyncBatchNorm refused: SyncBatchNorm expected input tensor '
                'to be on GPU') in out


@pytest.mark.skipif(not CPU_ONLY, reason='CPU-only fixes')
def test_sync_bn_on_cpu_processes_is_bn_over_the_global_batch(
        tmp_path, free_port):
    """Two gloo processes with 4 and 6 of 10 samples: outputs, running
    statistics and gradients are those of one BN over all 10."""
    data = sync_bn_data(tmp_path / 'data.pt')
    results = run_two_ranks(
        SYNC_BN_WORKER,
        [str(tmp_path / 'data.pt'),
         str(tmp_path / 'out%d.pt')], free_port)
    for code, out in results:
        assert code == 0, out[-3000:]
    outs = [torch.load(tmp_path / f'out{r}.pt') for r in range(2)]
    assert [o['kind'] for o in outs] == ['CPUSyncBatchNorm'] * 2

    x = data['x'].clone().requires_grad_()
    bn = torch.nn.BatchNorm1d(3)
    with torch.no_grad():
        bn.weight.copy_(data['weight'])
        bn.bias.copy_(data['bias'])
    y = bn(x)
    # The global loss is the sum of the ranks' losses.
    (y * data['w']).sum().backward()
    close = dict(rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(
        torch.cat([o['y'] for o in outs]), y.detach(), **close)
    torch.testing.assert_close(
        torch.cat([o['grad'] for o in outs]), x.grad, **close)
    # Parameter gradients are local (DDP reduces them): they add up.
    torch.testing.assert_close(outs[0]['weight_grad'] + outs[1]['weight_grad'],
                               bn.weight.grad, **close)
    torch.testing.assert_close(outs[0]['bias_grad'] + outs[1]['bias_grad'],
                               bn.bias.grad, **close)
    for out in outs:
        torch.testing.assert_close(out['running_mean'], bn.running_mean,
                                   **close)
        torch.testing.assert_close(out['running_var'], bn.running_var, **close)
        assert out['steps'].item() == 1


def test_sync_bn_is_plain_bn_without_a_process_group():
    """One process, no torch.distributed: SyncBN (torch's or mimae's) is
    batch norm (mmengine's Runner also reverts torch's to batch norm), with
    torch's SyncBatchNorm's state dict."""
    from mmcv.cnn import build_norm_layer
    torch.manual_seed(0)
    x = torch.randn(8, 4)
    sync = build_norm_layer(dict(type='SyncBN'), 4)[1]
    plain = torch.nn.BatchNorm1d(4)
    for _ in range(2):
        torch.testing.assert_close(sync(x), plain(x))
    torch.testing.assert_close(sync.running_var, plain.running_var)
    assert sync.state_dict().keys() == torch.nn.SyncBatchNorm(
        4).state_dict().keys()
    sync.eval()
    plain.eval()
    torch.testing.assert_close(sync(x), plain(x))


@pytest.mark.parametrize('scope', ['mmpretrain', 'mmdet', 'mmseg'])
def test_every_scope_s_load_image_names_a_bad_file(scope, tmp_path):
    """checked_image_loading: the LoadImageFromFile of cls, k-NN, det and seg
    pipelines (each package's registry) is the checked loader: a good file
    loads as mmcv loads it, an empty one is named with its sample."""
    import importlib

    import mmcv
    from mmengine.registry import DefaultScope

    from mimae.datasets import ImageDecodeError, LoadImageFromFileChecked
    registry = importlib.import_module(f'{scope}.registry').TRANSFORMS
    # Scoped: a default scope left behind changes later tests' builds.
    with DefaultScope.overwrite_default_scope(scope):
        load = registry.build(dict(type='LoadImageFromFile'))
    assert isinstance(load, LoadImageFromFileChecked)
    good = str(tmp_path / 'good.png')
    mmcv.imwrite(np.full((4, 5, 3), 7, np.uint8), good)
    assert (load(dict(img_path=good))['img'] == mmcv.imread(good)).all()
    empty = tmp_path / 'empty.png'
    empty.write_bytes(b'')
    with pytest.raises(
            ImageDecodeError,
            match=f'cannot load image {empty} \\(sample 5\\)'):
        load(dict(img_path=str(empty), sample_idx=5))
