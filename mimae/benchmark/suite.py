"""The benchmark suite file: pre-training arms x seeds x downstream tasks.

A suite is an mmengine config (``configs/benchmark/*.py``) with these keys:

- ``arms``: pre-training runs, each ``dict(name, config, cfg_options)``; an
  arm without ``config`` is the random-initialisation floor (its tasks start
  from a randomly initialised backbone).
- ``pretrain_epochs`` (optional): the **equal-views rule**. The epochs of a
  one-mask arm; an arm with K masks per image runs ``pretrain_epochs / K``
  epochs (its epoch-based schedule scaled to match), so every arm sees as
  many masked views per image, as the paper compares 400-epoch MI-MAE
  (K=4) with 1600-epoch MAE. Without it every arm keeps its config's epochs
  and the suite refuses arms whose views per image differ.
- ``seeds``: every arm is pre-trained once per seed; every task runs once
  per (arm, seed), with that seed.
- ``tasks``: downstream evaluations, each ``dict(name, config, metric,
  mode='train' | 'test', init_cfg_key='model.backbone.init_cfg',
  cfg_options, gpus)``. ``mode='train'`` trains the config (linear probe,
  fine-tune, detection, segmentation) and reports ``metric`` of its last
  validation; ``'test'`` evaluates the config's model as initialised (k-NN).
  The arm's checkpoint goes into ``<init_cfg_key>.checkpoint``; the random
  arm sets ``<init_cfg_key>=None``. ``gpus`` overrides the launcher's
  (ViTDet's Mask R-CNN batch of 64 is 16 GPUs x 4).
- ``reference_arm``: the arm every other is compared with (MAE).
- ``launcher``: ``dict(type='local', jobs=1)`` runs each cell as a process
  here (``jobs`` cells at a time, the CPU threads split between them);
  ``dict(type='pytorch', gpus=8)`` uses ``tools/dist_train.sh`` /
  ``dist_test.sh``; ``dict(type='slurm', partition=..., gpus=8)`` uses
  ``tools/slurm_train.sh`` / ``slurm_test.sh``.
- ``only_arms`` / ``only_tasks`` (optional): run just these names (a
  shorter suite from a longer one, e.g. ``--cfg-options
  only_tasks=[knn,det]``).
- ``cfg_options`` (optional): overrides applied to every cell, and
  ``pretrain_cfg_options`` / ``task_cfg_options`` to one kind.
- ``work_dir``: where every cell's folder and the results go.

Everything that can be checked before a run is checked in
:meth:`Suite.fromfile`: configs exist, arm and task names are unique and
safe as folder names, the reference arm exists, the equal-views rule can be
met, and given checkpoints exist. The metric a task reports is checked after
its first cell against what the run actually reported.
"""
import copy
import os.path as osp
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from mmengine.config import Config

_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.+-]*$')
_LAUNCHERS = ('local', 'pytorch', 'slurm')
_MODES = ('train', 'test')


class SuiteError(ValueError):
    """A suite file that cannot run; the message names the entry and fix."""


@dataclass
class Arm:
    """One pre-training arm (or a given checkpoint, or random init)."""
    name: str
    config: Optional[str] = None
    cfg_options: Dict[str, Any] = field(default_factory=dict)
    checkpoint: Optional[str] = None  # evaluation-only mode
    num_masks: int = 1
    epochs: Optional[int] = None
    # Overrides that give the arm its equal-views epochs (set by the suite).
    schedule: Dict[str, Any] = field(default_factory=dict)

    @property
    def pretrains(self) -> bool:
        return self.config is not None and self.checkpoint is None

    @property
    def views_per_image(self) -> Optional[int]:
        if self.epochs is None:
            return None
        return self.epochs * self.num_masks


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
            return f'pretrain/{self.arm.name}/seed{self.seed}'
        return f'task/{self.task.name}/{self.arm.name}/seed{self.seed}'

    @property
    def depends_on(self) -> Optional[str]:
        """The pre-training cell whose checkpoint this task needs."""
        if self.kind == 'task' and self.arm.pretrains:
            return f'pretrain/{self.arm.name}/seed{self.seed}'
        return None


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
    pretrain_epochs: Optional[int]

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
        arms = [_arm(a, i, path) for i, a in enumerate(cfg.arms)]
        if checkpoints:
            arms = [a for a in arms if a.config is None] + [
                _given_checkpoint(name, ckpt)
                for name, ckpt in checkpoints.items()
            ]
        tasks = [_task(t, i, path) for i, t in enumerate(cfg.tasks)]
        for kind, items in (('arm', arms), ('task', tasks)):
            names = [item.name for item in items]
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise SuiteError(f'{path}: {kind} names must be unique; '
                                 f'{dup} appear more than once.')

        seeds = list(cfg.seeds)
        if not all(isinstance(s, int) for s in seeds) or len(set(seeds)) != \
                len(seeds):
            raise SuiteError(
                f'{path}: seeds must be distinct integers, got {seeds}.')
        reference = cfg.get('reference_arm')
        if checkpoints and reference not in checkpoints:
            # Evaluation only: compare with the reference only if given.
            reference = None
        if reference is not None and reference not in [a.name for a in arms]:
            raise SuiteError(
                f'{path}: reference_arm={reference!r} is not an arm '
                f'({[a.name for a in arms]}); name one of them or set '
                'reference_arm=None.')
        arms = _select(arms, cfg.get('only_arms'), 'only_arms', path)
        tasks = _select(tasks, cfg.get('only_tasks'), 'only_tasks', path)
        if reference not in [a.name for a in arms]:
            reference = None  # not selected: nothing to compare with
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
            arms=arms,
            tasks=tasks,
            seeds=seeds,
            reference_arm=reference,
            launcher=launcher,
            cfg_options=dict(cfg.get('cfg_options') or {}),
            pretrain_cfg_options=dict(cfg.get('pretrain_cfg_options') or {}),
            task_cfg_options=dict(cfg.get('task_cfg_options') or {}),
            pretrain_epochs=cfg.get('pretrain_epochs'))
        suite._apply_equal_views()
        return suite

    def _apply_equal_views(self) -> None:
        """Set each arm's masks and epochs; refuse unequal views."""
        for arm in self.arms:
            if not arm.pretrains:
                continue
            cfg = Config.fromfile(arm.config)
            cfg.merge_from_dict(self._user_pretrain_options(arm))
            arm.num_masks = int(
                cfg.model.get('backbone', {}).get('num_masks', 1))
            config_epochs = cfg.get('train_cfg', {}).get('max_epochs')
            if self.pretrain_epochs is None:
                arm.epochs = config_epochs
                continue
            if self.pretrain_epochs % arm.num_masks:
                raise SuiteError(
                    f'arm {arm.name!r}: pretrain_epochs={self.pretrain_epochs}'
                    f' is not divisible by its {arm.num_masks} masks per '
                    'image, so it cannot see as many views as a one-mask '
                    'arm; choose a multiple of every arm\'s num_masks.')
            arm.epochs = self.pretrain_epochs // arm.num_masks
            arm.schedule = schedule_options(
                cfg, arm.epochs, where=f'arm {arm.name!r}')
        views = {a.name: a.views_per_image for a in self.arms if a.pretrains}
        if len(set(views.values())) > 1:
            raise SuiteError(
                f'{self.path}: the arms see different numbers of masked views '
                f'per image (epochs x masks: {views}). Set pretrain_epochs '
                'to scale them, or change the arms\' epochs.')

    def _user_pretrain_options(self, arm: Arm) -> Dict[str, Any]:
        return {
            **self.cfg_options,
            **self.pretrain_cfg_options,
            **arm.cfg_options
        }

    def pretrain_options(self, arm: Arm) -> Dict[str, Any]:
        """``--cfg-options`` of an arm's pre-training: suite-wide, then the
        arm's own, then the equal-views schedule."""
        return {**self._user_pretrain_options(arm), **arm.schedule}

    def task_options(self, task: Task,
                     checkpoint: Optional[str]) -> Dict[str, Any]:
        """``--cfg-options`` of a task cell; ``None`` means random init."""
        options = {
            **self.cfg_options,
            **self.task_cfg_options,
            **task.cfg_options
        }
        if checkpoint is None:
            options[task.init_cfg_key] = None
        else:
            options[f'{task.init_cfg_key}.checkpoint'] = checkpoint
        return options

    def cells(self) -> List[Cell]:
        """Every cell in run order: all pre-trainings, then all tasks."""
        cells = [
            Cell('pretrain', arm, seed) for seed in self.seeds
            for arm in self.arms if arm.pretrains
        ]
        cells += [
            Cell('task', arm, seed, task) for seed in self.seeds
            for arm in self.arms for task in self.tasks
        ]
        return cells


def schedule_options(cfg: Config, epochs: int, where: str) -> Dict[str, Any]:
    """The overrides that make an epoch-based schedule last ``epochs``.

    ``train_cfg.max_epochs`` and every epoch-based scheduler's ``begin``,
    ``end`` and ``T_max`` are scaled by ``epochs / max_epochs`` (warm-up
    and decay keep their share of the run).

    Raises:
        SuiteError: if the loop is not epoch-based or a scaled boundary is
            not a whole epoch.
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
                if abs(value - round(value)) > 1e-9:
                    raise SuiteError(
                        f'{where}: scaling the schedule from {old} to {epochs}'
                        f' epochs puts param_scheduler[{i}].{key} at {value}, '
                        'not a whole epoch; choose pretrain_epochs so that '
                        'every boundary scales to an integer.')
                scheduler[key] = int(round(value))
        scaled.append(scheduler)
    if scaled:
        options['param_scheduler'] = scaled
    return options


def _arm(entry: dict, index: int, path: str) -> Arm:
    where = f'{path}: arms[{index}]'
    entry = dict(entry)
    name = entry.pop('name', None)
    _check_name(name, where)
    config = entry.pop('config', None)
    if config is not None and not osp.isfile(config):
        raise SuiteError(f'{where} ({name!r}): config {config!r} does not '
                         'exist (paths are relative to the repository root).')
    options = dict(entry.pop('cfg_options', None) or {})
    if entry:
        raise SuiteError(f'{where} ({name!r}): unknown keys {sorted(entry)}; '
                         'an arm has name, config and cfg_options.')
    return Arm(name=name, config=config, cfg_options=options)


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
    task = Task(
        name=name,
        config=config,
        metric=metric,
        mode=mode,
        init_cfg_key=entry.pop('init_cfg_key', 'model.backbone.init_cfg'),
        cfg_options=dict(entry.pop('cfg_options', None) or {}),
        gpus=entry.pop('gpus', None))
    if entry:
        raise SuiteError(f'{where} ({name!r}): unknown keys {sorted(entry)}.')
    cfg = Config.fromfile(config)
    init_cfg = _lookup(cfg, task.init_cfg_key)
    if not isinstance(init_cfg, dict) or init_cfg.get('type') != 'Pretrained':
        raise SuiteError(
            f'{where} ({name!r}): {task.init_cfg_key} in {config} is '
            f'{init_cfg!r}, not a Pretrained init the arm\'s checkpoint can '
            'go into; set init_cfg_key to where the backbone\'s init_cfg is.')
    return task


def _select(items: list, names: Optional[list], key: str, path: str) -> list:
    """The items named in ``names`` (all if None), in the file's order."""
    if names is None:
        return items
    unknown = sorted(set(names) - {item.name for item in items})
    if unknown:
        raise SuiteError(f'{path}: {key} names {unknown}, which the suite '
                         f'does not have ({[i.name for i in items]}).')
    return [item for item in items if item.name in names]


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
