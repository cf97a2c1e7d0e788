"""Suite files: validation before a run, the equal-views rule, cells."""
import glob
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
        'pretrain/mae/v40/seed0', 'pretrain/mi-mae/v40/seed0',
        'pretrain/mae/v40/seed1', 'pretrain/mi-mae/v40/seed1'
    ]
    by_key = {c.key: c for c in cells}
    assert by_key['task/knn/mi-mae/v40/seed1'].depends_on == \
        'pretrain/mi-mae/v40/seed1'
    assert by_key['task/knn/random/seed0'].depends_on is None
    assert by_key['task/linear/mae/v40/seed0'].task.metric == 'accuracy/top1'


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
     "arm 'mi-mae': budget 10 .* is not divisible by its 4 masks"),
    (("pretrain_epochs = 40", 'pretrain_epochs = None'),
     'different numbers of masked views'),
    (("pretrain_epochs = 40", 'pretrain_epochs = 12\npretrain_cfg_options = '
      "{'param_scheduler.0.convert_to_iter_based': False}"),
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


RAW_KNN = ("init_cfg_key='model.image_encoder.init_cfg'),",
           "init_cfg_key='model.image_encoder.init_cfg', raw_input={"
           "'model.image_encoder': dict(type='RawPixels')}),")


def curve_body() -> str:
    """MAE on a budget curve, MI-MAE at its end in both batch units, and a
    raw-input baseline for k-NN."""
    body = suite_body().replace('pretrain_epochs = 40',
                                'budgets = [8, 40]').replace(*RAW_KNN)
    body = body.replace("'model.mi_min_head': None}),",
                        "'model.mi_min_head': None}, budgets=[8, 16, 40]),")
    return body.replace(
        "dict(name='mi-mae', config=",
        "dict(name='mi-mae-views', batch_unit='views', config="
        f"{TINY_CONFIG!r}),\n    dict(name='mi-mae', config=")


def test_budgets_and_batch_units_give_each_run_its_steps(tmp_path):
    suite = Suite.fromfile(write_suite(tmp_path, curve_body()))
    runs = {a.key: a for a in suite.arms}
    assert list(runs) == [
        'random', 'pixels', 'mae/v8', 'mae/v16', 'mae/v40', 'mi-mae-views/v8',
        'mi-mae-views/v40', 'mi-mae/v8', 'mi-mae/v40'
    ]
    # Images per step: MI-MAE at 40 views runs MAE-at-10-views' steps;
    # views per step: 64 / 4 images a step, MAE's steps at equal views.
    assert (runs['mi-mae/v40'].epochs, runs['mi-mae/v40'].batch_size) == \
        (10, 64)
    assert (runs['mi-mae-views/v40'].epochs,
            runs['mi-mae-views/v40'].batch_size) == (10, 16)
    assert runs['mi-mae-views/v40'].steps_per_image == \
        runs['mae/v40'].steps_per_image
    assert runs['mi-mae/v8'].steps_per_image * 4 == \
        runs['mae/v8'].steps_per_image
    options = suite.pretrain_options(runs['mi-mae-views/v8'])
    assert options['train_dataloader.batch_size'] == 16
    assert options['train_cfg.max_epochs'] == 2
    assert 'train_dataloader.batch_size' not in suite.pretrain_options(
        runs['mi-mae/v8'])
    assert suite.pretrain_options(runs['mae/v16'])['train_cfg.max_epochs'] \
        == 16
    # Schedulers converted to iterations take a fraction of an epoch: the
    # tiny config's 2 warm-up epochs of 20 are 0.8 of 8.
    warmup, cosine = suite.pretrain_options(runs['mae/v8'])['param_scheduler']
    assert (warmup['end'], cosine['T_max'], cosine['end']) == \
        pytest.approx((0.8, 7.2, 8))


def test_the_raw_input_arm_runs_only_the_tasks_that_ask_for_it(tmp_path):
    suite = Suite.fromfile(write_suite(tmp_path, curve_body()))
    pixels = [c for c in suite.cells() if c.arm.name == 'pixels']
    assert [c.key for c in pixels
            ] == ['task/knn/pixels/seed0', 'task/knn/pixels/seed1']
    options = suite.task_options(pixels[0].task, None, raw_input=True)
    assert options['model.image_encoder'] == dict(
        _delete_=True, type='RawPixels')
    assert pixels[0].depends_on is None


@pytest.mark.parametrize('change, message', [
    (("budgets = [8, 40]", 'budgets = []'), 'non-empty list'),
    (("budgets = [8, 40]", 'budgets = [40, 8]'), 'strictly increasing'),
    (("budgets = [8, 40]", 'budgets = [8, 8]'), 'strictly increasing'),
    (("budgets = [8, 40]", 'budgets = [8, 40.5]'), 'positive integer'),
    (("budgets = [8, 40]", 'budgets = [8, 40]\npretrain_epochs = 40'),
     'not both'),
    (("batch_unit='views'", "batch_unit='pixels'"),
     "batch_unit must be one of .* got 'pixels'"),
    (("budgets = [8, 40]", "budgets = [8, 40]\ncfg_options = {"
      "'train_dataloader.batch_size': 66}"),
     "arm 'mi-mae-views': batch_unit='views' .* batch_size 66 is not "
     'divisible by its 4 masks'),
    (("dict(name='random')", "dict(name='random', budgets=[8])"),
     'does not pre-train'),
    (("dict(name='random')", "dict(name='pixels')"),
     "an arm is named 'pixels'"),
])
def test_bad_budgets_units_and_baselines_are_refused(tmp_path, change,
                                                     message):
    body = curve_body().replace(*change)
    assert body != curve_body(), change
    with pytest.raises(SuiteError, match=message):
        Suite.fromfile(write_suite(tmp_path, body))


def test_a_raw_input_baseline_needs_labels(tmp_path):
    body = suite_body().replace(*RAW_KNN).replace(
        "init_cfg_key='model.image_encoder.init_cfg', raw_input",
        "init_cfg_key='model.image_encoder.init_cfg', cfg_options={"
        "'test_dataloader.dataset.with_label': False}, raw_input")
    with pytest.raises(
            SuiteError, match='raw-input baseline .* scores '
            'class labels'):
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
        'pretrain/mi-mae/v40/seed0', 'pretrain/mi-mae/v40/seed1',
        'task/knn/mi-mae/v40/seed0', 'task/knn/mi-mae/v40/seed1'
    ]
    with pytest.raises(SuiteError, match=r"only_tasks names \['knm'\]"):
        Suite.fromfile(path, cfg_options={'only_tasks': ['knm']})


# The suites that run here (the in1k ones are dry-run tested in
# tests/test_tools/test_benchmark.py).
LOCAL_SUITES = sorted(
    osp.splitext(osp.basename(p))[0]
    for p in glob.glob(osp.join(REPO_ROOT, 'configs', 'benchmark', '*.py'))
    if not osp.basename(p).startswith('in1k'))


def test_the_local_suites_are_found():
    assert {'mini_mnist', 'demo_mnist', 'mini_digits',
            'mnist_lowlabel'} <= set(LOCAL_SUITES)


@pytest.mark.parametrize('suite', LOCAL_SUITES)
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


def test_costly_tasks_run_on_each_arms_largest_budget_only(tmp_path):
    body = curve_body().replace(
        "dict(name='linear', metric='accuracy/top1',",
        "dict(name='linear', metric='accuracy/top1', on_budgets='largest',")
    assert body != curve_body()
    suite = Suite.fromfile(write_suite(tmp_path, body))
    linear = sorted({
        c.arm.key
        for c in suite.cells() if c.kind == 'task' and c.task.name == 'linear'
    })
    assert linear == ['mae/v40', 'mi-mae-views/v40', 'mi-mae/v40', 'random']
    with pytest.raises(SuiteError, match='on_budgets must be one of'):
        Suite.fromfile(
            write_suite(tmp_path, body.replace("'largest'", "'last'")))


def test_on_arms_runs_a_task_on_the_named_arms_only(tmp_path):
    body = curve_body().replace(
        "dict(name='linear', metric='accuracy/top1',",
        "dict(name='linear', metric='accuracy/top1', "
        "on_arms=['random', 'mi-mae'],")
    assert body != curve_body()
    suite = Suite.fromfile(write_suite(tmp_path, body))
    cells = [c for c in suite.cells() if c.kind == 'task']
    linear = sorted({c.arm.key for c in cells if c.task.name == 'linear'})
    assert linear == ['mi-mae/v40', 'mi-mae/v8', 'random']
    # The other task still runs everywhere, pixels included.
    knn = {c.arm.key for c in cells if c.task.name == 'knn'}
    assert {'pixels', 'mae/v16', 'mi-mae-views/v40'} <= knn
    with pytest.raises(SuiteError, match=r"on_arms names \['mea'\]"):
        Suite.fromfile(
            write_suite(tmp_path, body.replace("'random', 'mi-mae'", "'mea'")))
    with pytest.raises(SuiteError, match='on_arms is empty'):
        Suite.fromfile(
            write_suite(tmp_path, body.replace("['random', 'mi-mae']", '[]')))
    # Evaluation only: every given checkpoint gets every task.
    ckpt = osp.join(tmp_path, 'given.pth')
    open(ckpt, 'wb').close()
    given = Suite.fromfile(
        write_suite(tmp_path, body), checkpoints=dict(cluster=ckpt))
    assert {c.arm.key
            for c in given.cells() if c.task.name == 'linear'} == \
        {'random', 'cluster'}


def test_only_budgets_cuts_the_curve(tmp_path):
    path = write_suite(tmp_path, curve_body())
    suite = Suite.fromfile(path, cfg_options={'only_budgets': [40]})
    assert [a.key for a in suite.arms] == [
        'random', 'pixels', 'mae/v40', 'mi-mae-views/v40', 'mi-mae/v40'
    ]
    with pytest.raises(SuiteError, match=r'only_budgets names \[12\]'):
        Suite.fromfile(path, cfg_options={'only_budgets': [12]})
