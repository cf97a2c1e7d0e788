"""Suite files: validation before a run, the equal-views rule, cells."""
import os.path as osp
import textwrap

import pytest
from conftest import REPO_ROOT, TINY_CONFIG

from mimae.benchmark.suite import Suite, SuiteError

KNN = 'configs/cls/mimae_vit-tiny-p4_knn-k20_digits.py'
LINEAR = 'configs/cls/mimae_vit-tiny-p4_1xb128-linear-coslr-30e_digits.py'


def write_suite(tmp_path, body: str) -> str:
    path = osp.join(tmp_path, 'suite.py')
    with open(path, 'w') as f:
        f.write(body)
    return path


def suite_body() -> str:
    """Three arms (random, MAE, MI-MAE) x two tasks (k-NN, linear)."""
    return textwrap.dedent(f"""\
        seeds = [0, 1]
        pretrain_epochs = 40
        reference_arm = 'mae'
        arms = [
            dict(name='random'),
            dict(name='mae', config={TINY_CONFIG!r},
                 cfg_options={{'model.backbone.num_masks': 1,
                              'model.mi_max_head': None,
                              'model.mi_min_head': None}}),
            dict(name='mi-mae', config={TINY_CONFIG!r}),
        ]
        tasks = [
            dict(name='knn', mode='test', metric='accuracy/top1',
                 config={KNN!r},
                 init_cfg_key='model.image_encoder.init_cfg'),
            dict(name='linear', metric='accuracy/top1', config={LINEAR!r}),
        ]
        """)


@pytest.fixture(autouse=True)
def in_repo(monkeypatch):
    # Config paths in suite files are relative to the repository root.
    monkeypatch.chdir(REPO_ROOT)


def test_equal_views_scales_epochs_and_schedule(tmp_path):
    suite = Suite.fromfile(write_suite(tmp_path, suite_body()))
    arms = {a.name: a for a in suite.arms}
    assert (arms['mae'].num_masks, arms['mae'].epochs) == (1, 40)
    assert (arms['mi-mae'].num_masks, arms['mi-mae'].epochs) == (4, 10)
    assert arms['mae'].views_per_image == arms['mi-mae'].views_per_image == 40
    assert not arms['random'].pretrains
    # The tiny config: 2 warm-up epochs then cosine to 20; scaled to 10 and
    # 40 epochs the boundaries keep their share of the run.
    for arm, expected in (('mi-mae', (10, 1, 1, 9, 10)), ('mae', (40, 4, 4, 36,
                                                                  40))):
        options = suite.pretrain_options(arms[arm])
        warmup, cosine = options['param_scheduler']
        assert (options['train_cfg.max_epochs'], warmup['end'],
                cosine['begin'], cosine['T_max'], cosine['end']) == expected
        assert ('model.mi_max_head' in options) == (arm == 'mae')


def test_cells_and_dependencies(tmp_path):
    suite = Suite.fromfile(write_suite(tmp_path, suite_body()))
    cells = suite.cells()
    keys = [c.key for c in cells]
    # 2 pre-training arms x 2 seeds, then 3 arms x 2 tasks x 2 seeds.
    assert len(cells) == 4 + 12
    assert keys[:4] == [
        'pretrain/mae/seed0', 'pretrain/mi-mae/seed0', 'pretrain/mae/seed1',
        'pretrain/mi-mae/seed1'
    ]
    by_key = {c.key: c for c in cells}
    assert by_key['task/knn/mi-mae/seed1'].depends_on == \
        'pretrain/mi-mae/seed1'
    assert by_key['task/knn/random/seed0'].depends_on is None
    assert by_key['task/linear/mae/seed0'].task.metric == 'accuracy/top1'


def test_task_options_put_the_checkpoint_into_the_init_cfg(tmp_path):
    suite = Suite.fromfile(write_suite(tmp_path, suite_body()))
    knn = suite.tasks[0]
    assert suite.task_options(
        knn, '/x/epoch_2.pth'
    )['model.image_encoder.init_cfg.checkpoint'] == '/x/epoch_2.pth'
    assert suite.task_options(knn,
                              None)['model.image_encoder.init_cfg'] is None


def test_evaluation_only_mode_replaces_the_pretraining_arms(tmp_path):
    ckpt = osp.join(tmp_path, 'given.pth')
    open(ckpt, 'wb').close()
    suite = Suite.fromfile(
        write_suite(tmp_path, suite_body()), checkpoints=dict(cluster=ckpt))
    assert [a.name for a in suite.arms] == ['random', 'cluster']
    # The file's reference (mae) was not given: nothing to compare with.
    assert suite.reference_arm is None
    suite = Suite.fromfile(
        write_suite(tmp_path, suite_body()),
        checkpoints=dict(mae=ckpt, cluster=ckpt))
    assert suite.reference_arm == 'mae'
    assert all(c.kind == 'task' for c in suite.cells())
    with pytest.raises(SuiteError, match='does not exist'):
        Suite.fromfile(
            write_suite(tmp_path, suite_body()),
            checkpoints=dict(cluster='/no/such.pth'))


@pytest.mark.parametrize('change, message', [
    ((KNN, 'configs/cls/nope.py'), r"tasks\[0\] \('knn'\): config"),
    (("reference_arm = 'mae'", "reference_arm = 'mea'"),
     "reference_arm='mea' is not an arm"),
    (("pretrain_epochs = 40", 'pretrain_epochs = 10'),
     "arm 'mi-mae': pretrain_epochs=10 is not divisible"),
    (("pretrain_epochs = 40", 'pretrain_epochs = None'),
     'different numbers of masked views'),
    (("pretrain_epochs = 40", 'pretrain_epochs = 12'),
     r"param_scheduler\[0\].end at 1.2"),
    (("init_cfg_key='model.image_encoder.init_cfg'",
      "init_cfg_key='model.backbone.init_cfg'"), 'not a Pretrained init'),
    (("metric='accuracy/top1', config='configs", "config='configs"),
     '`metric` is missing'),
    (("dict(name='random')", "dict(name='mae')"), 'appear more than once'),
    (("dict(name='random')", "dict(name='bad/name')"), 'letters, digits'),
    (("dict(name='random')", "dict(name='random', epochs=3)"),
     r"unknown keys \['epochs'\]"),
])
def test_bad_suites_are_refused_naming_the_entry(tmp_path, change, message):
    body = suite_body().replace(*change)
    assert body != suite_body(), change
    with pytest.raises(SuiteError, match=message):
        Suite.fromfile(write_suite(tmp_path, body))


def test_suite_file_options_and_launchers(tmp_path):
    path = write_suite(tmp_path, suite_body())
    suite = Suite.fromfile(path, cfg_options={'seeds': [5]})
    assert suite.seeds == [5]
    with pytest.raises(SuiteError, match='partition'):
        Suite.fromfile(path, cfg_options={'launcher': dict(type='slurm')})
    with pytest.raises(SuiteError, match='launcher.type'):
        Suite.fromfile(path, cfg_options={'launcher': dict(type='ssh')})
    with pytest.raises(SuiteError, match='does not exist'):
        Suite.fromfile(osp.join(tmp_path, 'missing.py'))


def test_only_arms_and_tasks_select_a_shorter_suite(tmp_path):
    path = write_suite(tmp_path, suite_body())
    suite = Suite.fromfile(
        path, cfg_options={
            'only_arms': ['mi-mae'],
            'only_tasks': ['knn']
        })
    assert [c.key for c in suite.cells()] == [
        'pretrain/mi-mae/seed0', 'pretrain/mi-mae/seed1',
        'task/knn/mi-mae/seed0', 'task/knn/mi-mae/seed1'
    ]
    with pytest.raises(SuiteError, match=r"only_tasks names \['knm'\]"):
        Suite.fromfile(path, cfg_options={'only_tasks': ['knm']})


@pytest.mark.parametrize(
    'suite', ['mini_digits', 'demo_digits', 'sweep_mi-weights_digits'])
def test_every_task_with_its_overrides_gives_loaders_torch_accepts(suite):
    """The suites read data in the main process (num_workers=0); a loader
    that still asks for persistent workers fails in torch."""
    from mmengine.config import Config
    loaded = Suite.fromfile(
        osp.join(REPO_ROOT, 'configs', 'benchmark', f'{suite}.py'))
    for task in loaded.tasks:
        cfg = Config.fromfile(osp.join(REPO_ROOT, task.config))
        cfg.merge_from_dict(loaded.task_options(task, 'ckpt.pth'))
        names = ('train_dataloader', 'val_dataloader', 'test_dataloader')
        loaders = [cfg.get(name) for name in names]
        loaders.append(cfg.model.get('prototype'))
        for loader in filter(None, loaders):
            assert loader.get('num_workers', 0) > 0 or not loader.get(
                'persistent_workers', False), (suite, task.name, loader)
