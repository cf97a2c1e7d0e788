"""The benchmark suite file: pre-training arms x budgets x seeds x tasks.

A suite is an mmengine config (``configs/benchmark/*.py``) with these keys:

- ``arms``: pre-training runs, each ``dict(name, config, cfg_options,
  budgets, batch_unit)``; an arm without ``config`` is the
  random-initialisation floor (its tasks start from a randomly initialised
  backbone).
- ``budgets`` (optional): the **equal-views rule**, as a budget curve. Each
  budget is a number of masked views per image; every pre-training arm runs
  once per budget (an arm's own ``budgets`` overrides the suite's), a
  K-mask arm for ``budget / K`` epochs, its epoch-based schedule scaled to
  match. ``pretrain_epochs = N`` is the one-budget form ``budgets = [N]``.
  Without either, every arm keeps its config's epochs and the suite refuses
  arms whose views per image differ (the paper's 400-epoch MI-MAE with K=4
  against 1600-epoch MAE).
- ``batch_unit`` (optional, per suite or per arm): what the config's
  ``train_dataloader.batch_size`` counts. ``'images'`` (default, the
  paper's reading): a K-mask arm takes as many images per step as MAE, so at
  equal views it takes K times fewer optimizer steps. ``'views'``: a K-mask
  arm takes ``batch_size / K`` images per step, so its steps, views and
  FLOPs all equal MAE's. The report pairs arms at equal views and, where the
  reference ran as many steps, at equal steps.
- ``seeds``: every arm is pre-trained once per seed (and budget); every task
  runs once per (arm, budget, seed), with that seed.
- ``tasks``: downstream evaluations, each ``dict(name, config, metric,
  mode='train' | 'test', init_cfg_key='model.backbone.init_cfg',
  cfg_options, gpus, raw_input, on_budgets)``. ``mode='train'`` trains the
  config (linear probe, fine-tune, detection, segmentation) and reports
  ``metric`` of its last validation; ``'test'`` evaluates the config's model as
  initialised (k-NN). The arm's checkpoint goes into
  ``<init_cfg_key>.checkpoint``; the random arm sets ``<init_cfg_key>=None``.
  ``gpus`` overrides the launcher's (ViTDet's Mask R-CNN batch of 64 is 16
  GPUs x 4). ``raw_input`` (frozen-feature tasks): the overrides that put
  :class:`RawPixels` in place of the encoder (a dict value replaces the
  config's entry whole); the suite then adds the
  ``pixels`` arm, which runs this task on the raw input with the same data,
  preprocessing, classifier and metric. ``on_budgets='largest'`` runs the
  task on each arm's largest budget only (the costly tasks; default
  ``'all'``, the budget curve); ``on_arms=[...]`` runs it on the named arms
  only (default: every arm).
- ``reference_arm``: the arm every other is compared with (MAE). A task's
  column counts as evidence only where the reference, at its largest
  budget, beats random init and the raw input (see ``report.py``).
- ``launcher``: ``dict(type='local', jobs=1)`` runs each cell as a process
  here (``jobs`` cells at a time, the CPU threads split between them);
  ``dict(type='pytorch', gpus=8)`` uses ``tools/dist_train.sh`` /
  ``dist_test.sh``; ``dict(type='slurm', partition=..., gpus=8)`` uses
  ``tools/slurm_train.sh`` / ``slurm_test.sh``.
- ``only_arms`` / ``only_tasks`` / ``only_budgets`` (optional): run just
  these names or budgets (a shorter suite from a longer one, e.g.
  ``--cfg-options only_tasks=[knn,det] only_budgets=[32]``).
- ``cfg_options`` (optional): overrides applied to every cell, and
  ``pretrain_cfg_options`` / ``task_cfg_options`` to one kind.
- ``work_dir``: where every cell's folder and the results go.

Everything that can be checked before a run is checked in
:meth:`Suite.fromfile`: configs exist, arm and task names are unique and
safe as folder names, the reference arm exists, budgets are increasing and
divide by every arm's masks, a views-per-step batch divides by the masks,
a raw-input baseline has labels to score, and given checkpoints exist. The
metric a task reports is checked after its first cell against what the run
actually reported.
"""
import copy
import os.path as osp
import re
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Dict, List, Optional

from mmengine.config import Config

_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.+-]*$')
_LAUNCHERS = ('local', 'pytorch', 'slurm')
_MODES = ('train', 'test')
_ON_BUDGETS = ('all', 'largest')
BATCH_UNITS = ('images', 'views')
# The arm the suite adds when a task asks for a raw-input baseline.
PIXELS_ARM = 'pixels'
# Evaluators whose scores need ground-truth class labels.
_LABELLED_METRICS = ('Accuracy', 'SingleLabelMetric', 'MultiLabelMetric',
                     'AveragePrecision', 'ConfusionMatrix')


class SuiteError(ValueError):
    """A suite file that cannot run; the message names the entry and fix."""


@dataclass
class Arm:
    """One pre-training run of the suite: an arm at one budget.

    An arm of the suite file with several budgets becomes one :class:`Arm`
    per budget, all with the file's ``name``; :attr:`key` tells them apart.
    Random init, the raw-input baseline and a given checkpoint have no
    budget.
    """
    name: str
    config: Optional[str] = None
    cfg_options: Dict[str, Any] = field(default_factory=dict)
    checkpoint: Optional[str] = None  # evaluation-only mode
    raw_input: bool = False  # the pixels arm
    budget: Optional[int] = None  # masked views per image
    batch_unit: str = 'images'
    num_masks: int = 1
    epochs: Optional[int] = None
    batch_size: Optional[int] = None  # images per optimizer step
    # Overrides that give the arm its budget (set by the suite).
    schedule: Dict[str, Any] = field(default_factory=dict)

    @property
    def pretrains(self) -> bool:
        return self.config is not None and self.checkpoint is None

    @property
    def key(self) -> str:
        """Folder-safe id: the name, and the budget where there is one."""
        return self.name if self.budget is None else \
            f'{self.name}/v{self.budget}'

    @property
    def views_per_image(self) -> Optional[int]:
        if self.epochs is None:
            return None
        return self.epochs * self.num_masks

    @property
    def steps_per_image(self) -> Optional[Fraction]:
        """Optimizer steps per training image: runs on one dataset with
        equal values take equal steps."""
        if self.epochs is None or not self.batch_size:
            return None
        return Fraction(self.epochs, self.batch_size)


@dataclass
class Task:
    """One downstream evaluation."""
    name: str
    config: str
    metric: str
    mode: str = 'train'
    init_cfg_key: str = 'model.backbone.init_cfg'
    cfg_options: Dict[str, Any] = field(default_factory=dict)
    gpus: Optional[int] = None  # overrides the launcher's for this task
    # Overrides that replace the encoder by the raw input (None: no
    # raw-input baseline for this task).
    raw_input: Optional[Dict[str, Any]] = None
    # 'all': every budget of every arm; 'largest': each arm's largest only
    # (the costly tasks, off the budget curve).
    on_budgets: str = 'all'
    # Names of the arms the task runs on (None: every arm).
    on_arms: Optional[List[str]] = None


@dataclass
class Cell:
    """One run of the suite: a pre-training or a task on one checkpoint."""
    kind: str  # 'pretrain' | 'task'
    arm: Arm
    seed: int
    task: Optional[Task] = None

    @property
    def key(self) -> str:
        if self.kind == 'pretrain':
            return f'pretrain/{self.arm.key}/seed{self.seed}'
        return f'task/{self.task.name}/{self.arm.key}/seed{self.seed}'

    @property
    def pretrain_cell(self) -> Optional['Cell']:
        """The pre-training cell whose checkpoint this task needs."""
        if self.kind == 'task' and self.arm.pretrains:
            return Cell('pretrain', self.arm, self.seed)
        return None

    @property
    def depends_on(self) -> Optional[str]:
        pretrain = self.pretrain_cell
        return pretrain.key if pretrain else None


@dataclass
class Suite:
    """A validated suite: what to run, and where."""
    path: str
    work_dir: str
    arms: List[Arm]
    tasks: List[Task]
    seeds: List[int]
    reference_arm: Optional[str]
    launcher: Dict[str, Any]
    cfg_options: Dict[str, Any]
    pretrain_cfg_options: Dict[str, Any]
    task_cfg_options: Dict[str, Any]
    budgets: Optional[List[int]]

    @classmethod
    def fromfile(cls,
                 path: str,
                 checkpoints: Optional[Dict[str, str]] = None,
                 work_dir: Optional[str] = None,
                 cfg_options: Optional[dict] = None) -> 'Suite':
        """Read and validate a suite file.

        Args:
            path (str): The suite config.
            checkpoints (Dict[str, str], optional): Evaluation-only mode:
                arm name -> checkpoint path; replaces the file's arms (a
                random arm of the file is kept as the floor).
            work_dir (str, optional): Overrides the file's ``work_dir``.
            cfg_options (dict, optional): Overrides of the suite file's own
                keys (e.g. ``seeds=[0]``).

        Raises:
            SuiteError: naming the entry and how to fix it.
        """
        if not osp.isfile(path):
            raise SuiteError(f'suite file {path!r} does not exist.')
        cfg = Config.fromfile(path)
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
        for key in ('arms', 'tasks', 'seeds'):
            if not cfg.get(key):
                raise SuiteError(f'{path}: `{key}` is missing or empty.')
        budgets = _suite_budgets(cfg, path)
        unit = _batch_unit(cfg.get('batch_unit', 'images'), path)
        entries = [_arm(a, i, path, unit) for i, a in enumerate(cfg.arms)]
        if checkpoints:
            entries = [e for e in entries if e['arm'].config is None] + [
                dict(arm=_given_checkpoint(name, ckpt), budgets=None)
                for name, ckpt in checkpoints.items()
            ]
        tasks = [_task(t, i, path) for i, t in enumerate(cfg.tasks)]
        names = [e['arm'].name for e in entries]
        for kind, items in (('arm', names), ('task', [t.name for t in tasks])):
            dup = sorted({n for n in items if items.count(n) > 1})
            if dup:
                raise SuiteError(f'{path}: {kind} names must be unique; '
                                 f'{dup} appear more than once.')

        for task in tasks:
            if checkpoints:
                # Evaluation only: every given checkpoint gets every task.
                task.on_arms = None
            unknown = sorted(
                set(task.on_arms or ()) - set(names) - {PIXELS_ARM})
            if unknown:
                raise SuiteError(
                    f'{path}: task {task.name!r}: on_arms names {unknown}, '
                    f'which are not arms ({names}).')
        seeds = list(cfg.seeds)
        if not all(isinstance(s, int) for s in seeds) or len(set(seeds)) != \
                len(seeds):
            raise SuiteError(
                f'{path}: seeds must be distinct integers, got {seeds}.')
        reference = cfg.get('reference_arm')
        if checkpoints and reference not in checkpoints:
            # Evaluation only: compare with the reference only if given.
            reference = None
        if reference is not None and reference not in names:
            raise SuiteError(
                f'{path}: reference_arm={reference!r} is not an arm '
                f'({names}); name one of them or set reference_arm=None.')
        entries = _select(entries, cfg.get('only_arms'), 'only_arms', path,
                          lambda e: e['arm'].name)
        tasks = _select(tasks, cfg.get('only_tasks'), 'only_tasks', path,
                        lambda t: t.name)
        if reference not in [e['arm'].name for e in entries]:
            reference = None  # not selected: nothing to compare with
        if any(t.raw_input is not None for t in tasks):
            if PIXELS_ARM in names:
                raise SuiteError(
                    f'{path}: an arm is named {PIXELS_ARM!r}, the name of '
                    'the raw-input baseline a task asks for; rename it.')
            # Beside the other floors, before the pre-trained arms.
            floors = sum(1 for e in entries if not e['arm'].pretrains)
            entries.insert(
                floors,
                dict(arm=Arm(name=PIXELS_ARM, raw_input=True), budgets=None))
        launcher = dict(cfg.get('launcher', dict(type='local')))
        if launcher.get('type') not in _LAUNCHERS:
            raise SuiteError(f"{path}: launcher.type must be one of "
                             f"{_LAUNCHERS}, got {launcher.get('type')!r}.")
        if launcher['type'] == 'slurm' and not launcher.get('partition'):
            raise SuiteError(f'{path}: a slurm launcher needs a partition: '
                             "launcher=dict(type='slurm', partition='...').")
        for task in tasks:
            if launcher['type'] == 'pytorch' and task.gpus and \
                    task.gpus > launcher.get('gpus', 8):
                raise SuiteError(
                    f'{path}: task {task.name!r} asks for {task.gpus} GPUs '
                    f"but the pytorch launcher runs on one machine with "
                    f"{launcher.get('gpus', 8)}; use a slurm launcher or "
                    'fewer GPUs (with a larger per-GPU batch).')
        suite = cls(
            path=path,
            work_dir=osp.abspath(
                work_dir or cfg.get('work_dir')
                or osp.join('work_dirs', 'benchmark',
                            osp.splitext(osp.basename(path))[0])),
            arms=[],
            tasks=tasks,
            seeds=seeds,
            reference_arm=reference,
            launcher=launcher,
            cfg_options=dict(cfg.get('cfg_options') or {}),
            pretrain_cfg_options=dict(cfg.get('pretrain_cfg_options') or {}),
            task_cfg_options=dict(cfg.get('task_cfg_options') or {}),
            budgets=budgets)
        for entry in entries:
            suite.arms += suite._expand(entry['arm'], entry['budgets'])
        suite.arms = _select_budgets(suite.arms, cfg.get('only_budgets'), path)
        suite._check_equal_views()
        return suite

    def _expand(self, arm: Arm, budgets: Optional[List[int]]) -> List[Arm]:
        """The arm at each of its budgets, with masks, epochs and batch."""
        if not arm.pretrains:
            return [arm]
        cfg = Config.fromfile(arm.config)
        cfg.merge_from_dict(self._user_pretrain_options(arm))
        where = f'arm {arm.name!r}'
        num_masks = int(cfg.model.get('backbone', {}).get('num_masks', 1))
        batch = cfg.get('train_dataloader', {}).get('batch_size')
        schedule: Dict[str, Any] = {}
        if arm.batch_unit == 'views' and num_masks > 1:
            if not batch or batch % num_masks:
                raise SuiteError(
                    f"{where}: batch_unit='views' gives each step "
                    f'batch_size / num_masks images, but its batch_size '
                    f'{batch} is not divisible by its {num_masks} masks; '
                    'choose a batch_size that is a multiple of num_masks.')
            batch //= num_masks
            schedule['train_dataloader.batch_size'] = batch
        base = replace(arm, num_masks=num_masks, batch_size=batch)
        budgets = budgets or self.budgets
        if budgets is None:
            epochs = cfg.get('train_cfg', {}).get('max_epochs')
            return [replace(base, epochs=epochs, schedule=schedule)]
        runs = []
        for budget in budgets:
            if budget % num_masks:
                raise SuiteError(
                    f'{where}: budget {budget} (views per image) is not '
                    f'divisible by its {num_masks} masks per image, so it '
                    'cannot see as many views as a one-mask arm; choose '
                    "budgets that are multiples of every arm's num_masks.")
            epochs = budget // num_masks
            runs.append(
                replace(
                    base,
                    budget=budget,
                    epochs=epochs,
                    schedule={
                        **schedule,
                        **schedule_options(cfg, epochs, where=where)
                    }))
        return runs

    def _check_equal_views(self) -> None:
        """Without budgets, the arms' configs must see equal views."""
        if self.budgets is not None:
            return
        views = {
            a.key: a.views_per_image
            for a in self.arms if a.pretrains and a.budget is None
        }
        if len(set(views.values())) > 1:
            raise SuiteError(
                f'{self.path}: the arms see different numbers of masked views '
                f'per image (epochs x masks: {views}). Set budgets (views '
                "per image) to scale them, or change the arms' epochs.")

    def _user_pretrain_options(self, arm: Arm) -> Dict[str, Any]:
        return {
            **self.cfg_options,
            **self.pretrain_cfg_options,
            **arm.cfg_options
        }

    def pretrain_options(self, arm: Arm) -> Dict[str, Any]:
        """``--cfg-options`` of an arm's pre-training: suite-wide, then the
        arm's own, then its budget's schedule and batch."""
        return {**self._user_pretrain_options(arm), **arm.schedule}

    def task_options(self,
                     task: Task,
                     checkpoint: Optional[str],
                     raw_input: bool = False) -> Dict[str, Any]:
        """``--cfg-options`` of a task cell; ``None`` means random init,
        ``raw_input`` the task on the raw input."""
        options = {
            **self.cfg_options,
            **self.task_cfg_options,
            **task.cfg_options
        }
        if raw_input:
            # A dict replaces the config's entry whole (mmengine drops a
            # `_delete_` written in the suite file when it loads the file).
            options.update({
                key:
                dict(value, _delete_=True)
                if isinstance(value, dict) else value
                for key, value in task.raw_input.items()
            })
        elif checkpoint is None:
            options[task.init_cfg_key] = None
        else:
            options[f'{task.init_cfg_key}.checkpoint'] = checkpoint
        return options

    def arm_runs(self, name: str) -> List[Arm]:
        """Every run of the named arm, by increasing budget."""
        return [a for a in self.arms if a.name == name]

    def cells(self) -> List[Cell]:
        """Every cell in run order: all pre-trainings, then all tasks."""
        cells = [
            Cell('pretrain', arm, seed) for seed in self.seeds
            for arm in self.arms if arm.pretrains
        ]
        cells += [
            Cell('task', arm, seed, task) for seed in self.seeds
            for arm in self.arms for task in self.tasks
            if self.evaluates(task, arm)
        ]
        return cells

    def evaluates(self, task: Task, arm: Arm) -> bool:
        """Whether the suite runs ``task`` on ``arm``."""
        if task.on_arms is not None and arm.name not in task.on_arms:
            return False
        if arm.raw_input:
            return task.raw_input is not None
        if task.on_budgets == 'largest' and arm.budget is not None:
            return arm.budget == self.arm_runs(arm.name)[-1].budget
        return True


def schedule_options(cfg: Config, epochs: int, where: str) -> Dict[str, Any]:
    """The overrides that make an epoch-based schedule last ``epochs``.

    ``train_cfg.max_epochs`` and every epoch-based scheduler's ``begin``,
    ``end`` and ``T_max`` are scaled by ``epochs / max_epochs`` (warm-up
    and decay keep their share of the run). A scheduler converted to
    iterations (``convert_to_iter_based``) may get a fraction of an epoch.

    Raises:
        SuiteError: if the loop is not epoch-based or a scaled boundary is
            not a whole epoch of a scheduler that steps per epoch.
    """
    old = cfg.get('train_cfg', {}).get('max_epochs')
    if not old:
        raise SuiteError(f'{where}: the equal-views rule scales epochs, but '
                         'the config has no train_cfg.max_epochs.')
    options: Dict[str, Any] = {'train_cfg.max_epochs': epochs}
    schedulers = cfg.get('param_scheduler') or []
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    scaled = []
    for i, scheduler in enumerate(schedulers):
        scheduler = copy.deepcopy(dict(scheduler))
        if scheduler.get('by_epoch', True):
            for key in ('begin', 'end', 'T_max'):
                if key not in scheduler:
                    continue
                value = scheduler[key] * epochs / old
                whole = abs(value - round(value)) <= 1e-9
                if whole:
                    value = int(round(value))
                elif not scheduler.get('convert_to_iter_based', False):
                    raise SuiteError(
                        f'{where}: scaling the schedule from {old} to {epochs}'
                        f' epochs puts param_scheduler[{i}].{key} at {value}, '
                        'not a whole epoch; choose budgets so that every '
                        'boundary scales to an integer (or give the '
                        'scheduler convert_to_iter_based=True).')
                # mmengine turns an epoch boundary into int(value x epoch
                # length) iterations: a fraction of an epoch is fine.
                scheduler[key] = value
        scaled.append(scheduler)
    if scaled:
        options['param_scheduler'] = scaled
    return options


def _budgets(value: Any, where: str) -> List[int]:
    """A budget list: positive integers, strictly increasing."""
    if not isinstance(value, (list, tuple)) or not value:
        raise SuiteError(f'{where}: budgets must be a non-empty list of '
                         f'views per image, e.g. [10, 20, 40]; got {value!r}.')
    if not all(isinstance(b, int) and b > 0 for b in value):
        raise SuiteError(f'{where}: every budget must be a positive integer '
                         f'(masked views per image); got {list(value)}.')
    if any(b >= c for b, c in zip(value, value[1:])):
        raise SuiteError(f'{where}: budgets must be strictly increasing (a '
                         f'budget curve), got {list(value)}; sort them and '
                         'drop repeats.')
    return list(value)


def _suite_budgets(cfg: Config, path: str) -> Optional[List[int]]:
    budgets, epochs = cfg.get('budgets'), cfg.get('pretrain_epochs')
    if budgets is not None and epochs is not None:
        raise SuiteError(f'{path}: give budgets or pretrain_epochs (the '
                         'one-budget form), not both.')
    if epochs is not None:
        return _budgets([epochs], f'{path}: pretrain_epochs')
    if budgets is not None:
        return _budgets(budgets, f'{path}: budgets')
    return None


def _batch_unit(unit: Any, where: str) -> str:
    if unit not in BATCH_UNITS:
        raise SuiteError(f'{where}: batch_unit must be one of {BATCH_UNITS} '
                         "('images': a K-mask arm takes as many images per "
                         "step as MAE; 'views': batch_size / K images, equal "
                         f'steps and FLOPs), got {unit!r}.')
    return unit


def _arm(entry: dict, index: int, path: str, unit: str) -> dict:
    """An arm of the suite file and its own budgets (None: the suite's)."""
    where = f'{path}: arms[{index}]'
    entry = dict(entry)
    name = entry.pop('name', None)
    _check_name(name, where)
    where = f'{where} ({name!r})'
    config = entry.pop('config', None)
    if config is not None and not osp.isfile(config):
        raise SuiteError(f'{where}: config {config!r} does not exist (paths '
                         'are relative to the repository root).')
    options = dict(entry.pop('cfg_options', None) or {})
    budgets = entry.pop('budgets', None)
    if budgets is not None:
        budgets = _budgets(budgets, f'{where}: budgets')
    arm_unit = _batch_unit(entry.pop('batch_unit', unit), where)
    if entry:
        raise SuiteError(f'{where}: unknown keys {sorted(entry)}; an arm has '
                         'name, config, cfg_options, budgets and batch_unit.')
    if config is None and (budgets is not None or arm_unit != unit):
        raise SuiteError(f'{where}: an arm without config (random init) '
                         'does not pre-train; budgets and batch_unit do not '
                         'apply to it.')
    return dict(
        arm=Arm(
            name=name, config=config, cfg_options=options,
            batch_unit=arm_unit),
        budgets=budgets)


def _given_checkpoint(name: str, checkpoint: str) -> Arm:
    _check_name(name, f'--checkpoints {name}=...')
    if not osp.isfile(checkpoint):
        raise SuiteError(f'--checkpoints {name}={checkpoint}: the file does '
                         'not exist.')
    return Arm(name=name, checkpoint=osp.abspath(checkpoint))


def _task(entry: dict, index: int, path: str) -> Task:
    where = f'{path}: tasks[{index}]'
    entry = dict(entry)
    name = entry.pop('name', None)
    _check_name(name, where)
    config = entry.pop('config', None)
    if config is None or not osp.isfile(config):
        raise SuiteError(f'{where} ({name!r}): config {config!r} does not '
                         'exist (paths are relative to the repository root).')
    metric = entry.pop('metric', None)
    if not metric:
        raise SuiteError(f'{where} ({name!r}): `metric` is missing: name the '
                         'key the evaluator reports, e.g. accuracy/top1, '
                         'coco/bbox_mAP or mIoU.')
    mode = entry.pop('mode', 'train')
    if mode not in _MODES:
        raise SuiteError(f'{where} ({name!r}): mode must be one of {_MODES}, '
                         f'got {mode!r}.')
    raw_input = entry.pop('raw_input', None)
    task = Task(
        name=name,
        config=config,
        metric=metric,
        mode=mode,
        init_cfg_key=entry.pop('init_cfg_key', 'model.backbone.init_cfg'),
        cfg_options=dict(entry.pop('cfg_options', None) or {}),
        gpus=entry.pop('gpus', None),
        raw_input=None if raw_input is None else dict(raw_input),
        on_budgets=entry.pop('on_budgets', 'all'),
        on_arms=entry.pop('on_arms', None))
    if task.on_arms is not None:
        task.on_arms = list(task.on_arms)
        if not task.on_arms:
            raise SuiteError(f'{where} ({name!r}): on_arms is empty; name '
                             'the arms to run the task on, or drop the key.')
    if task.on_budgets not in _ON_BUDGETS:
        raise SuiteError(f'{where} ({name!r}): on_budgets must be one of '
                         f'{_ON_BUDGETS}, got {task.on_budgets!r}.')
    if entry:
        raise SuiteError(f'{where} ({name!r}): unknown keys {sorted(entry)}.')
    cfg = Config.fromfile(config)
    init_cfg = _lookup(cfg, task.init_cfg_key)
    if not isinstance(init_cfg, dict) or init_cfg.get('type') != 'Pretrained':
        raise SuiteError(
            f'{where} ({name!r}): {task.init_cfg_key} in {config} is '
            f'{init_cfg!r}, not a Pretrained init the arm\'s checkpoint can '
            'go into; set init_cfg_key to where the backbone\'s init_cfg is.')
    if task.raw_input is not None:
        _check_labelled(cfg, task, f'{where} ({name!r})')
    return task


def _check_labelled(cfg: Config, task: Task, where: str) -> None:
    """A raw-input baseline scores class labels: refuse a task without."""
    if not task.raw_input:
        raise SuiteError(f'{where}: raw_input is empty; give the overrides '
                         "that replace the encoder, e.g. {'model.backbone': "
                         "dict(type='RawPixels')}.")
    cfg = copy.deepcopy(cfg)
    cfg.merge_from_dict(task.cfg_options)
    evaluator = cfg.get('val_evaluator') or cfg.get('test_evaluator') or {}
    evaluators = evaluator if isinstance(evaluator, list) else [evaluator]
    types = [e.get('type') for e in evaluators if isinstance(e, dict)]
    datasets = [
        _lookup(cfg, f'{loader}.dataset')
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader',
                       'model.prototype')
    ]
    unlabelled = [
        d.get('type') for d in datasets
        if isinstance(d, dict) and d.get('with_label') is False
    ]
    if unlabelled or not any(t in _LABELLED_METRICS for t in types):
        raise SuiteError(
            f'{where}: a raw-input baseline (raw_input) scores class labels, '
            f'but this task has no labelled classification data (evaluators '
            f'{types}, datasets with_label=False: {unlabelled}); drop '
            'raw_input from this task, or evaluate it on labelled data.')


def _select(items: list, names: Optional[list], key: str, path: str,
            name_of) -> list:
    """The items named in ``names`` (all if None), in the file's order."""
    if names is None:
        return items
    unknown = sorted(set(names) - {name_of(item) for item in items})
    if unknown:
        raise SuiteError(f'{path}: {key} names {unknown}, which the suite '
                         f'does not have ({[name_of(i) for i in items]}).')
    return [item for item in items if name_of(item) in names]


def _select_budgets(arms: List[Arm], budgets: Optional[list],
                    path: str) -> List[Arm]:
    """The runs at these budgets (all if None); arms without budgets stay."""
    if budgets is None:
        return arms
    known = {a.budget for a in arms if a.budget is not None}
    unknown = sorted(set(budgets) - known)
    if unknown:
        raise SuiteError(f'{path}: only_budgets names {unknown}, which no '
                         f'arm has (budgets: {sorted(known)}).')
    return [a for a in arms if a.budget is None or a.budget in budgets]


def _lookup(cfg: Config, dotted: str) -> Any:
    node: Any = cfg.to_dict()
    for part in dotted.split('.'):
        if isinstance(node, (list, tuple)) and part.isdigit():
            node = node[int(part)] if int(part) < len(node) else None
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


def _check_name(name: Any, where: str) -> None:
    if not isinstance(name, str) or not _NAME.match(name):
        raise SuiteError(f'{where}: name {name!r} must be a non-empty string '
                         'of letters, digits and ._+- (it names folders).')
