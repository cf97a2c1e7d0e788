"""tools/train.py and tools/dist_train.sh on the tiny config, for real."""
import glob
import json
import os.path as osp
import subprocess
import sys

import pytest
from tests_support import REPO_ROOT, load_tool, run_tool

TINY = 'configs/pretrain/mimae_vit-tiny-p4_1xb64-coslr-20e_digits.py'


def tiny_options(digits_root, epochs, workers=0):
    return [
        '--cfg-options', f'train_dataloader.dataset.data_root={digits_root}',
        f'train_cfg.max_epochs={epochs}',
        f'train_dataloader.num_workers={workers}',
        f'train_dataloader.persistent_workers={workers > 0}',
        'default_hooks.checkpoint.interval=1',
        'default_hooks.logger.interval=5'
    ]


def scalars(work_dir):
    """Logged training records of every run in work_dir, oldest first."""
    records = []
    for path in sorted(
            glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        records += [json.loads(line) for line in open(path)]
    return [r for r in records if 'loss_rec' in r]


@pytest.fixture(scope='module')
def trained(digits_root, tmp_path_factory):
    work_dir = str(tmp_path_factory.mktemp('train'))
    result = run_tool(['tools/train.py', TINY, '--work-dir', work_dir] +
                      tiny_options(digits_root, epochs=3))
    return work_dir, result


def test_training_lowers_reconstruction_loss(trained):
    work_dir, result = trained
    records = scalars(work_dir)
    assert len(records) >= 10
    for key in ('loss_rec', 'loss_mi_max', 'loss_mi_min', 'loss_est',
                'mi_max_acc', 'mi_min_club'):
        assert key in records[-1], key
    first = sum(r['loss_rec'] for r in records[:3]) / 3
    last = sum(r['loss_rec'] for r in records[-3:]) / 3
    assert last < 0.8 * first, (first, last)
    assert osp.isfile(osp.join(work_dir, 'epoch_3.pth'))
    assert f'Checkpoint: {osp.join(work_dir, "epoch_3.pth")}' in result.stdout
    assert 'Log: ' in result.stdout


def test_resume_continues_from_the_last_checkpoint(trained, digits_root):
    work_dir, _ = trained
    before = scalars(work_dir)
    run_tool(['tools/train.py', TINY, '--work-dir', work_dir, '--resume'] +
             tiny_options(digits_root, epochs=4))
    after = scalars(work_dir)[len(before):]
    assert after, 'the resumed run logged nothing'
    # It picks up at epoch 4, not from scratch.
    assert after[0]['epoch'] == 4
    assert after[0]['iter'] > before[-1]['iter']
    # ...with the trained weights: no jump back to the initial loss.
    assert after[0]['loss_rec'] < 0.9 * before[0]['loss_rec']
    assert osp.isfile(osp.join(work_dir, 'epoch_4.pth'))


def test_two_process_cpu_run_through_dist_train(digits_root, tmp_path,
                                                free_port):
    work_dir = str(tmp_path)
    run_tool(
        ['bash', 'tools/dist_train.sh', TINY, '2', '--work-dir', work_dir] +
        tiny_options(digits_root, epochs=1, workers=1),
        env=dict(PORT=free_port))
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))
    log = open(glob.glob(osp.join(work_dir, '*', '*.log'))[0]).read()
    assert 'Distributed launcher: pytorch' in log
    assert 'Distributed training: True' in log
    # Two ranks share the data: ceil(1438 / 2 / 64) = 12 iterations per
    # epoch, where one process needs 23.
    assert 'Epoch(train) [1][10/12]' in log


def test_missing_data_root_is_refused_before_building(tmp_path):
    result = subprocess.run([
        sys.executable, 'tools/train.py', TINY, '--work-dir',
        str(tmp_path), '--cfg-options',
        'train_dataloader.dataset.data_root=/no/such/dir'
    ],
                            cwd=REPO_ROOT,
                            capture_output=True,
                            text=True,
                            timeout=300)
    assert result.returncode != 0
    assert ("train_dataloader.dataset.data_root='/no/such/dir' does not "
            'exist') in result.stderr
    assert '--cfg-options train_dataloader.dataset.data_root=' in result.stderr


def load_train_tool():
    return load_tool('tools/train.py')


def resolved(tool, tmp_path, *argv):
    """The config tools/train.py would build a Runner from, for a config
    whose own work_dir is tmp_path/default."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO_ROOT, TINY))
    cfg.work_dir = str(tmp_path / 'default')
    return tool.merge_args(cfg, tool.parse_args([TINY, *argv]))


def test_resume_looks_in_the_work_dir_the_options_set(tmp_path):
    import torch
    tool = load_train_tool()
    for name in ('default', 'other'):
        (tmp_path / name).mkdir()
        torch.save({'meta': {}}, tmp_path / name / 'epoch_1.pth')
    other = tmp_path / 'other'
    cfg = resolved(tool, tmp_path, '--resume', '--cfg-options',
                   f'work_dir={other}')
    assert cfg.work_dir == str(other)
    assert cfg.resume and cfg.load_from == str(other / 'epoch_1.pth')


def test_resume_with_nothing_to_resume_is_refused(tmp_path):
    tool = load_train_tool()
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(SystemExit, match=f'nothing to resume in {empty}'):
        resolved(tool, tmp_path, '--resume', '--work-dir', str(empty))
    # Asked for explicitly, it starts afresh (and mmengine does not look).
    cfg = resolved(tool, tmp_path, '--resume-if-possible', '--work-dir',
                   str(empty))
    assert cfg.resume is False and cfg.get('load_from') is None


def test_the_last_line_names_a_whole_checkpoint(tmp_path):
    """After --resume-fallback resumed from an older checkpoint and saved
    nothing new, last_checkpoint still names the damaged one: the run's
    last line names the one it resumed from instead."""
    import torch
    tool = load_train_tool()
    whole, damaged = tmp_path / 'epoch_1.pth', tmp_path / 'epoch_2.pth'
    torch.save({'meta': {}}, whole)
    damaged.write_bytes(b'truncated')
    (tmp_path / 'last_checkpoint').write_text(str(damaged))
    assert tool.final_checkpoint(str(tmp_path), str(whole)) == str(whole)
    (tmp_path / 'last_checkpoint').write_text(str(whole))
    assert tool.final_checkpoint(str(tmp_path), None) == str(whole)
