"""The wheel, as a user gets it: ``python -m build`` makes it, it installs
into a fresh environment next to the installed stack, and from a folder
that holds none of the repository ``mim train mimae ...`` runs a config
that builds on ``mimae::pretrain/...`` with the tools and configs shipped
in the package's ``.mim``."""
import glob
import json
import os.path as osp
import shutil
import sys
import sysconfig

import pytest
from tests_support import REPO_ROOT, run_tool

TINY = 'pretrain/mimae_vit-tiny-p4_1xb64-coslr-20e_digits.py'
# What a copy of the repository needs to build from; the rest (virtual
# environments, data, runs, earlier builds) stays behind.
NOT_SOURCES = ('.git', '.venv', 'data', 'work_dirs', 'build', 'dist', '.mim',
               '*.egg-info', '__pycache__', '.pytest_cache')


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """The wheel built from a copy of the sources, installed in a new venv
    that reuses this environment's stack through a ``.pth`` path line (no
    download); returns the venv's interpreter and its site-packages."""
    tmp = tmp_path_factory.mktemp('wheel')
    src, dist, venv = tmp / 'src', tmp / 'dist', tmp / 'venv'
    shutil.copytree(
        REPO_ROOT, src, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    run_tool([
        sys.executable, '-m', 'build', '--wheel', '--no-isolation', '--outdir',
        dist, src
    ])
    wheel, = glob.glob(str(dist / 'mimae-*.whl'))
    run_tool([sys.executable, '-m', 'venv', venv])
    python = venv / 'bin' / 'python'
    site = run_tool([
        python, '-c', 'import sysconfig; print(sysconfig.get_path("purelib"))'
    ]).stdout.strip()
    # A path line adds the directory without running its own .pth files, so
    # the repository's editable install of mimae stays out of the way.
    with open(osp.join(site, 'stack.pth'), 'w') as f:
        f.write(sysconfig.get_path('purelib') + '\n')
    run_tool(
        [python, '-m', 'pip', 'install', '--no-deps', '--no-index', wheel])
    return python, site


# As a user's shell has it: nothing of the repository on the path.
USER_ENV = dict(PYTHONPATH='')


def test_the_wheel_ships_configs_tools_and_the_model_index(installed):
    python, site = installed
    mim = osp.join(site, 'mimae', '.mim')
    for path in ('model-index.yml', 'tools/train.py', 'tools/test.py',
                 'configs/pretrain/metafile.yml', f'configs/{TINY}'):
        assert osp.isfile(osp.join(mim, path)), path
        assert not osp.islink(osp.join(mim, path)), path


def test_mim_trains_a_user_config_built_on_mimae(installed, digits_root,
                                                 tmp_path):
    python, site = installed
    (tmp_path / 'my_mimae.py').write_text(
        f"_base_ = 'mimae::{TINY}'\n"
        'model = dict(backbone=dict(num_masks=2))\n')
    result = run_tool([
        python, '-m', 'mim', 'train', 'mimae', 'my_mimae.py', '--work-dir',
        'run', '--cfg-options',
        f'train_dataloader.dataset.data_root={digits_root}',
        'train_cfg.max_epochs=1', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False'
    ],
                      cwd=tmp_path,
                      env=USER_ENV)
    # mim ran the tool shipped in the wheel, not the repository's...
    assert osp.join(site, 'mimae', '.mim', 'tools',
                    'train.py') in result.stdout
    # ...which trained the package's config with the user's change.
    assert (tmp_path / 'run' / 'epoch_1.pth').is_file()
    dumped = (tmp_path / 'run' / 'my_mimae.py').read_text()
    assert 'num_masks=2' in dumped and "type='MIMAE'" in dumped
    where = run_tool([python, '-c', 'import mimae; print(mimae.__file__)'],
                     cwd=tmp_path,
                     env=USER_ENV).stdout
    assert where.startswith(site), where


def test_a_suite_cell_runs_the_wheel_s_tools(installed, digits_root, tmp_path):
    """``tools/benchmark.py`` as the wheel ships it runs its cells with the
    wheel's ``train.py`` / ``test.py`` (a checkout's were once looked up
    beside the package, which a wheel does not have)."""
    python, site = installed
    tools = osp.join(site, 'mimae', '.mim', 'tools')
    (tmp_path / 'knn.py').write_text(
        "_base_ = 'mimae::cls/mimae_vit-tiny-p4_knn-k20_digits.py'\n")
    roots = {
        f'{loader}.dataset.data_root': digits_root
        for loader in ('test_dataloader', 'model.prototype')
    }
    (tmp_path / 'suite.py').write_text(
        "arms = [dict(name='random')]\n"
        "tasks = [dict(name='knn', mode='test', metric='accuracy/top1', "
        "config='knn.py', init_cfg_key='model.image_encoder.init_cfg', "
        f"cfg_options={dict(roots, **{'test_dataloader.num_workers': 0})!r})"
        ']\n'
        'seeds = [0]\n')
    benchmark = [python, osp.join(tools, 'benchmark.py'), 'suite.py']
    plan = run_tool(benchmark + ['--dry-run'], cwd=tmp_path, env=USER_ENV)
    assert f"{osp.join(tools, 'test.py')} " in plan.stdout, plan.stdout
    run_tool(benchmark, cwd=tmp_path, env=USER_ENV)
    results = json.loads(
        (tmp_path / 'work_dirs/benchmark/suite/results.json').read_text())
    assert results['failed'] == []
    row, = results['rows']
    assert (row['arm'], row['task'], row['n']) == ('random', 'knn', 1)
    # k-NN of random features on the 10 digit classes: above chance, below
    # what the pre-trained or raw features score.
    assert 15 < row['mean'] < 90
