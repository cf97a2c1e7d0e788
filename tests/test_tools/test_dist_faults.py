"""tools/dist_train.sh when a process dies, with and without restarts, and
across two 'nodes' on this machine."""
import os
import re
import subprocess
import time

import torch
from conftest import TINY_CONFIG
from tests_support import REPO_ROOT

from mimae.zoo.safe_load import safe_torch_load

DIE = '''
import os, signal
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class DieHook(Hook):
    """Rank ``rank`` kills itself (SIGKILL) before iteration ``at`` of the
    first attempt; a restarted attempt runs through."""

    def __init__(self, rank, at):
        self.rank, self.at = rank, at

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        first = os.environ.get('TORCHELASTIC_RESTART_COUNT', '0') == '0'
        if first and get_rank() == self.rank and runner.iter + 1 == self.at:
            os.kill(os.getpid(), signal.SIGKILL)
'''


def options(digits_root):
    return [
        '--cfg-options', f'train_dataloader.dataset.data_root={digits_root}',
        'train_dataloader.dataset.indices=192', 'train_cfg.max_epochs=2',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'default_hooks.checkpoint.by_epoch=False',
        'default_hooks.checkpoint.interval=2'
    ]


def dying_config(tmp_path):
    (tmp_path / 'die.py').write_text(DIE)
    config = tmp_path / 'dying.py'
    config.write_text(
        f'_base_ = {TINY_CONFIG!r}\n'
        "custom_imports = dict(imports=['mimae', 'die'])\n"
        'custom_hooks = _base_.custom_hooks + '
        # Before iteration 4: rank 0 saved iter_2 before iteration 3's
        # gradient all-reduce, which needed rank 1.
        "[dict(type='DieHook', rank=1, at=4)]\n")
    return str(config)


def launch(config, work_dir, digits_root, port, tmp_path, **env):
    return subprocess.Popen(
        [
            'bash', 'tools/dist_train.sh', config,
            str(env.pop('procs', 2)), '--work-dir',
            str(work_dir)
        ] + options(digits_root),
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ, PORT=port, PYTHONPATH=str(tmp_path), **env))


def test_a_dead_rank_stops_the_run_and_is_named(digits_root, tmp_path,
                                                free_port):
    work = tmp_path / 'work'
    start = time.time()
    proc = launch(
        dying_config(tmp_path), work, digits_root, free_port, tmp_path)
    out, _ = proc.communicate(timeout=600)
    assert proc.returncode != 0
    # torchrun's summary names the process that died and how.
    assert re.search(r'rank\s*:\s*1 \(local_rank: 1\)', out), out[-3000:]
    assert 'Signal 9 (SIGKILL)' in out
    assert (work /
            'iter_2.pth').exists() and not (work / 'iter_4.pth').exists()
    assert time.time() - start < 300


def test_with_restarts_the_run_resumes_by_itself(digits_root, tmp_path,
                                                 free_port):
    work = tmp_path / 'work'
    proc = launch(
        dying_config(tmp_path),
        work,
        digits_root,
        free_port,
        tmp_path,
        MAX_RESTARTS='1')
    out, _ = proc.communicate(timeout=900)
    assert proc.returncode == 0, out[-3000:]
    # iter_2 ends epoch 0 (2 ranks: 96 images each, batches of 64 and 32).
    assert 'resumed epoch: 0, iter: 2' in out
    # ...and ends where an uninterrupted 2-process run ends, on both ranks'
    # data and masks (the gradients are averaged over them).
    plain = launch(TINY_CONFIG, tmp_path / 'plain', digits_root, free_port,
                   tmp_path)
    assert plain.wait(timeout=900) == 0
    resumed = safe_torch_load(str(work / 'iter_4.pth'))['state_dict']
    uninterrupted = safe_torch_load(str(tmp_path / 'plain' /
                                        'iter_4.pth'))['state_dict']
    assert all(torch.equal(resumed[k], uninterrupted[k]) for k in resumed)


def test_two_nodes_on_one_machine_finish_together(digits_root, tmp_path,
                                                  free_port):
    work = tmp_path / 'work'
    nodes = [
        launch(
            TINY_CONFIG,
            work,
            digits_root,
            free_port,
            tmp_path,
            procs=1,
            NNODES='2',
            NODE_RANK=str(rank),
            MASTER_ADDR='127.0.0.1') for rank in (0, 1)
    ]
    outs = [node.communicate(timeout=900)[0] for node in nodes]
    assert [node.returncode for node in nodes] == [0, 0], outs[0][-3000:]
    log = outs[0]
    assert 'Distributed training: True' in log
    # 192 images over 2 ranks of 64: 2 iterations an epoch, 2 epochs.
    assert 'Epoch(train) [2][2/2]' in log
    assert (work / 'iter_4.pth').exists()


def test_a_dead_rank_on_another_node_stops_this_one(digits_root, tmp_path,
                                                    free_port):
    work = tmp_path / 'work'
    config = dying_config(tmp_path)
    start = time.time()
    nodes = [
        launch(
            config,
            work,
            digits_root,
            free_port,
            tmp_path,
            procs=1,
            NNODES='2',
            MASTER_ADDR='127.0.0.1') for _ in range(2)
    ]
    outs = [node.communicate(timeout=600)[0] for node in nodes]
    assert [node.returncode for node in nodes] == [1, 1], outs
    assert time.time() - start < 300
    # The node whose process died names it; the other sees its peer go.
    died = [out for out in outs if 'Signal 9 (SIGKILL)' in out]
    assert len(died) == 1 and re.search(r'rank\s*:\s*1 ', died[0])
    other = [out for out in outs if out is not died[0]][0]
    assert 'Connection reset by peer' in other or 'Connection closed' in \
        other, other[-3000:]
