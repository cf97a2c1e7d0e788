"""Run a suite's cells as separate processes, resumably and loss-free.

Every cell runs in its own folder ``<work_dir>/<cell key>/``::

    config.py     the exact config the run used (every override applied)
    run.log       the process's stdout and stderr
    work/         the mmengine work directory (checkpoints, logs)
    metrics.json  what the run's evaluation reported (MetricsFileHook)
    result.json   written last and atomically: the cell's record

A cell is reused by a re-run only while its definition is unchanged: its
``result.json`` says ``done`` and holds the cell's fingerprint, a hash of
what defines it (the merged config with every override and the seed, the
tool that runs it, and for a task the fingerprint of the pre-training it
starts from). Change a config, an override or an arm, and the cells it
defines run again (a record without a fingerprint, from an older version,
counts as changed). A task whose ``metric`` changed is re-read from the
metrics its run stored, and runs again if it never reported that metric:
no number is ever labelled with a metric it was not measured as. The code's
commit is recorded in every cell, not keyed (the report says when cells
ran at different commits). A killed suite loses at most the cells that were
running, which start again from scratch. A failed cell is recorded with
its reason and log and the suite goes on; tasks of a failed pre-training
are recorded as failed without running.
"""
import copy
import hashlib
import json
import math
import os
import os.path as osp
import shlex
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from typing import Callable, Dict, List, Optional, Sequence

from mmengine.config import Config

from ..engine.atomic_local_backend import AtomicLocalBackend
from ..runner_config import UnknownOptionError, checked_cfg_options
from .suite import Cell, Suite, SuiteError

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def default_tools_dir() -> str:
    """The project's ``tools/``: the checkout's (a source or editable
    install), else the one a wheel ships in ``mimae/.mim/tools``."""
    package = osp.dirname(osp.dirname(osp.abspath(__file__)))
    candidates = [
        osp.join(REPO_ROOT, 'tools'),
        osp.join(package, '.mim', 'tools')
    ]
    for folder in candidates:
        if osp.isfile(osp.join(folder, 'train.py')):
            return folder
    raise FileNotFoundError(
        f'no tools/train.py in {" or ".join(candidates)}: reinstall mimae, '
        'or run the suite with a checkout\'s tools/benchmark.py')


def write_json(obj, path: str) -> None:
    """Write JSON atomically: a kill leaves the old file or the new one."""
    AtomicLocalBackend().put_text(json.dumps(obj, indent=1) + '\n', path)


def read_json(path: str) -> Optional[dict]:
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def git_commit() -> str:
    """HEAD of the repository, ``-dirty`` if it has uncommitted changes."""
    try:
        head = subprocess.run(['git', 'rev-parse', 'HEAD'],
                              cwd=REPO_ROOT,
                              capture_output=True,
                              text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(['git', 'status', '--porcelain'],
                               cwd=REPO_ROOT,
                               capture_output=True,
                               text=True).stdout.strip()
        return head + ('-dirty' if dirty else '')
    except (OSError, subprocess.CalledProcessError):
        return 'unknown'


class CellRunner:
    """Builds and runs the command of each cell of a suite.

    Args:
        suite (Suite): The validated suite.
        python (str): Interpreter for the local launcher.
        log (Callable): Where progress lines go.
        vis_backends (Sequence[str]): Passed to every cell as
            ``--vis-backend`` (TensorBoard, W&B, MLflow).
    """

    def __init__(self,
                 suite: Suite,
                 python: str = sys.executable,
                 log: Callable[[str], None] = print,
                 vis_backends: Sequence[str] = (),
                 tools_dir: Optional[str] = None) -> None:
        self.suite = suite
        self.python = python
        # tools/benchmark.py passes its own folder, so a second checkout
        # runs its cells with its own tools, not the installed copy's.
        self.tools_dir = tools_dir or default_tools_dir()
        self.vis_backends = list(vis_backends)
        self.log = log
        self.commit = git_commit()
        self._config_lock = threading.Lock()
        self._fingerprints: Dict[str, str] = {}
        self._configs: Dict[str, Config] = {}

    # -- where things are --------------------------------------------------
    def cell_dir(self, cell: Cell) -> str:
        return osp.join(self.suite.work_dir, cell.key)

    def result_path(self, cell: Cell) -> str:
        return osp.join(self.cell_dir(cell), 'result.json')

    def result(self, cell: Cell) -> Optional[dict]:
        """The cell's record as stored, ``None`` if it never finished."""
        return read_json(self.result_path(cell))

    def current(self, cell: Cell) -> Optional[dict]:
        """The cell's record if it still describes the cell as defined now.

        A finished record whose fingerprint differs (or is missing) is
        stale: ``None``. A task record measured under another metric is
        re-read from its stored metrics (and rewritten), or stale if the run
        never reported the task's metric.
        """
        record = self.result(cell)
        if not record or record.get('fingerprint') != self.fingerprint(cell):
            return None
        if cell.kind == 'task' and record.get('status') == 'done' and \
                record.get('metric') != cell.task.metric:
            metrics = record.get('metrics') or {}
            if cell.task.metric not in metrics:
                return None
            record.update(
                metric=cell.task.metric,
                **self._scored(cell, metrics, record['log']))
            write_json(record, self.result_path(cell))
        return record

    def is_done(self, cell: Cell) -> bool:
        record = self.current(cell)
        return bool(record) and record.get('status') == 'done'

    def fingerprint(self, cell: Cell) -> str:
        """Hash of what defines the cell (see the module docstring)."""
        if cell.key not in self._fingerprints:
            upstream = cell.pretrain_cell
            cfg = self._merged_config(cell, symbolic=True)
            definition = dict(
                tool=self._tool(cell),
                config=cfg.to_dict(),
                upstream=self.fingerprint(upstream) if upstream else None,
                given=_file_identity(cell.arm.checkpoint))
            text = json.dumps(definition, sort_keys=True, default=repr)
            self._fingerprints[cell.key] = hashlib.sha256(
                text.encode()).hexdigest()[:16]
        return self._fingerprints[cell.key]

    # -- commands ----------------------------------------------------------
    def checkpoint_of(self,
                      cell: Cell,
                      symbolic: bool = False) -> Optional[str]:
        """The checkpoint a task cell starts from (None: random init or
        the raw input); ``symbolic``: the pre-training cell's name in place
        of the file it wrote."""
        if cell.arm.checkpoint is not None:
            return cell.arm.checkpoint
        if not cell.arm.pretrains:
            return None
        if symbolic:
            return f'<checkpoint of {cell.depends_on}>'
        record = self.result(cell.pretrain_cell) or {}
        return record.get('checkpoint') or osp.join(
            self.suite.work_dir, cell.depends_on, 'work', '<last checkpoint>')

    def options(self, cell: Cell, symbolic: bool = False) -> dict:
        """Every config override of the cell, the seed included."""
        if cell.kind == 'pretrain':
            options = self.suite.pretrain_options(cell.arm)
        else:
            options = self.suite.task_options(
                cell.task,
                self.checkpoint_of(cell, symbolic),
                raw_input=cell.arm.raw_input)
        options['randomness.seed'] = cell.seed
        return options

    def _merged_config(self, cell: Cell, symbolic: bool = False) -> Config:
        """The cell's config with every override applied."""
        path = self._config_of(cell)
        # mmengine's config loading (pkg_resources) is not thread-safe; a
        # suite loads each config once.
        with self._config_lock:
            if path not in self._configs:
                self._configs[path] = Config.fromfile(path)
            cfg = copy.deepcopy(self._configs[path])
        # A misspelt override would be merged as a key nothing reads.
        try:
            options = checked_cfg_options(
                cfg, self.options(cell, symbolic), source='its overrides')
        except UnknownOptionError as error:
            raise SuiteError(f'{cell.key} ({path}): {error}') from None
        cfg.merge_from_dict(options)
        return cfg

    @staticmethod
    def _tool(cell: Cell) -> str:
        train = cell.kind == 'pretrain' or cell.task.mode == 'train'
        return 'train' if train else 'test'

    def command(self, cell: Cell) -> List[str]:
        """The command line that runs the cell (its config dumped first)."""
        folder = self.cell_dir(cell)
        config = osp.join(folder, 'config.py')
        work = osp.join(folder, 'work')
        metrics = osp.join(folder, 'metrics.json')
        launcher = self.suite.launcher
        kind = launcher['type']
        tool = self._tool(cell)
        train = tool == 'train'
        extra = ['--metrics-out', metrics]
        if self.vis_backends:
            extra += ['--vis-backend', *self.vis_backends]
        if kind == 'local':
            return [
                self.python,
                osp.join(self.tools_dir, f'{tool}.py'), config, '--work-dir',
                work
            ] + extra
        gpus = str(self.gpus(cell))
        if kind == 'pytorch':
            script = osp.join(self.tools_dir, f'dist_{tool}.sh')
            cmd = [script, config] + ([] if train else ['']) + [gpus]
            return cmd + ['--work-dir', work] + extra
        script = osp.join(self.tools_dir, f'slurm_{tool}.sh')
        job = cell.key.replace('/', '_')
        cmd = [script, launcher['partition'], job, config]
        if train:
            return cmd + [work] + extra
        return cmd + ['', work] + extra

    def gpus(self, cell: Cell) -> int:
        if cell.task is not None and cell.task.gpus:
            return cell.task.gpus
        return int(self.suite.launcher.get('gpus', 8))

    def environment(self, cell: Cell) -> Dict[str, str]:
        env = dict(os.environ)
        launcher = self.suite.launcher
        if launcher['type'] == 'local':
            jobs = int(launcher.get('jobs', 1))
            # Split the cores between concurrent cells; torch would
            # otherwise start a thread per core in each of them.
            env.setdefault('OMP_NUM_THREADS',
                           str(max(1, (os.cpu_count() or 1) // jobs)))
        else:
            env['GPUS'] = str(self.gpus(cell))
            for key in ('gpus_per_node', 'cpus_per_task'):
                if key in launcher:
                    env[key.upper()] = str(launcher[key])
        return env

    def describe(self, cell: Cell) -> str:
        """The cell's command and overrides, as a dry run prints them."""
        options = ' '.join(f'{k}={v!r}' for k, v in self.options(cell).items())
        return (f'# {cell.key}: {self._config_of(cell)} with {options}\n' +
                shlex.join(self.command(cell)))

    def _config_of(self, cell: Cell) -> str:
        return cell.arm.config if cell.kind == 'pretrain' else \
            cell.task.config

    # -- running -----------------------------------------------------------
    def run(self, cell: Cell) -> dict:
        """Run one cell to completion and write its ``result.json``."""
        folder = self.cell_dir(cell)
        record = dict(
            cell=cell.key,
            kind=cell.kind,
            arm=cell.arm.name,
            run=cell.arm.key,
            budget=cell.arm.budget,
            task=cell.task.name if cell.task else None,
            seed=cell.seed,
            config=self._config_of(cell),
            fingerprint=self.fingerprint(cell),
            git_commit=self.commit,
            log=osp.join(folder, 'run.log'))
        if cell.kind == 'pretrain':
            record.update(
                num_masks=cell.arm.num_masks,
                batch_unit=cell.arm.batch_unit,
                images_per_step=cell.arm.batch_size,
                epochs=cell.arm.epochs,
                views_per_image=cell.arm.views_per_image)
        else:
            record.update(metric=cell.task.metric)
        if cell.depends_on and not self.is_done(cell.pretrain_cell):
            record.update(
                status='failed',
                wall_time_s=0.0,
                reason=f'pre-training {cell.depends_on} failed')
            write_json(record, self.result_path(cell))
            return record
        # A killed earlier attempt may have left anything here.
        if osp.isdir(folder):
            shutil.rmtree(folder)
        os.makedirs(folder)
        self._merged_config(cell).dump(osp.join(folder, 'config.py'))
        command = self.command(cell)
        record['command'] = shlex.join(command)
        start = time.time()
        with open(record['log'], 'w') as log:
            # The caller's working directory, like the suite's own relative
            # paths (configs, data roots, work_dir).
            returncode = subprocess.run(
                command,
                env=self.environment(cell),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL).returncode
        record['wall_time_s'] = round(time.time() - start, 2)
        record.update(self._outcome(cell, returncode, record['log']))
        write_json(record, self.result_path(cell))
        return record

    def _outcome(self, cell: Cell, returncode: int, log: str) -> dict:
        """Status, metrics and checkpoint of a finished process."""
        folder = self.cell_dir(cell)
        if returncode != 0:
            return dict(
                status='failed',
                returncode=returncode,
                reason=f'exit status {returncode}: '
                f'{_last_error(log)} (log: {log})')
        if cell.kind == 'pretrain':
            last = osp.join(folder, 'work', 'last_checkpoint')
            if not osp.isfile(last):
                return dict(
                    status='failed',
                    reason=f'no checkpoint was written (log: {log})')
            with open(last) as f:
                checkpoint = f.read().strip()
            scalars = find_scalars(osp.join(folder, 'work'))
            diverged = first_non_finite(scalars) if scalars else None
            if diverged:
                return dict(
                    status='failed',
                    checkpoint=checkpoint,
                    scalars=scalars,
                    reason=diverged)
            return dict(status='done', checkpoint=checkpoint, scalars=scalars)
        written = read_json(osp.join(folder, 'metrics.json'))
        if written is None:
            return dict(
                status='failed',
                reason=f'the run evaluated nothing (log: {log})')
        return self._scored(cell, written['metrics'], log)

    def _scored(self, cell: Cell, reported: dict, log: str) -> dict:
        """Status and value of a task from the metrics its run reported."""
        metric = cell.task.metric
        if not reported and metric.startswith('coco/'):
            # mmdet's CocoMetric reports nothing when the model detected
            # nothing; COCO's AP of an empty detection set is 0.
            return dict(
                status='done',
                metrics={},
                value=0.0,
                note='no detections: COCO AP is 0')
        if metric not in reported:
            return dict(
                status='failed',
                metrics=reported,
                reason=f'task {cell.task.name!r} reported no '
                f'{metric!r}; it reported {sorted(reported)}. Fix '
                f'`metric` in the suite file.')
        value = reported[metric]
        if not isinstance(value, float) or not math.isfinite(value):
            return dict(
                status='failed',
                metrics=reported,
                reason=f'{metric} is {value} (training diverged?)')
        return dict(status='done', metrics=reported, value=value)


def _file_identity(path: Optional[str]) -> Optional[list]:
    """A given checkpoint's path, size and modification time."""
    if path is None or not osp.isfile(path):
        return None if path is None else [path]
    stat = os.stat(path)
    return [path, stat.st_size, int(stat.st_mtime)]


def find_scalars(work_dir: str) -> Optional[str]:
    """The newest ``vis_data/scalars.json`` of an mmengine work dir."""
    found = []
    for root, _, files in os.walk(work_dir):
        if 'scalars.json' in files and osp.basename(root) == 'vis_data':
            found.append(osp.join(root, 'scalars.json'))
    return max(found, key=osp.getmtime) if found else None


def read_scalars(path: str) -> List[dict]:
    """mmengine's scalar log: one JSON object per logged step."""
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def first_non_finite(path: str) -> Optional[str]:
    """The first logged loss that is NaN or infinite, as a reason."""
    for record in read_scalars(path):
        for key, value in record.items():
            if 'loss' in key and isinstance(value, float) and \
                    not math.isfinite(value):
                return (f'training diverged: {key}={value} at step '
                        f'{record.get("step")}')
    return None


def _last_error(log: str) -> str:
    """The last line of a log that looks like an error, for the table."""
    try:
        with open(log, errors='replace') as f:
            lines = [line.strip() for line in f if line.strip()]
    except OSError:
        return 'no log'
    for line in reversed(lines):
        if 'Error' in line or 'error:' in line or 'Exception' in line:
            return line[:300]
    return lines[-1][:300] if lines else 'empty log'


def run_suite(runner: CellRunner, dry_run: bool = False) -> List[dict]:
    """Run every unfinished cell, ``jobs`` at a time, in dependency order.

    Returns:
        List[dict]: the record of every cell, finished before or now.
    """
    suite = runner.suite
    cells = suite.cells()
    for cell in cells:
        runner.fingerprint(cell)  # every override checked before any run
    if dry_run:
        for cell in cells:
            runner.log(runner.describe(cell))
        return []
    todo = [c for c in cells if not runner.is_done(c)]
    stale = [
        c for c in todo if (runner.result(c) or {}).get('status') == 'done'
    ]
    if stale:
        runner.log(f'[benchmark] {len(stale)} finished cell(s) changed '
                   'definition (config, overrides, upstream pre-training or '
                   f'metric) and run again, e.g. {stale[0].key}')
    skipped = len(cells) - len(todo)
    if skipped:
        runner.log(f'[benchmark] {skipped} of {len(cells)} cells already '
                   f'done in {suite.work_dir}; running the other {len(todo)}')
    jobs = int(suite.launcher.get('jobs', 1)) \
        if suite.launcher['type'] == 'local' else 1
    progress = _Progress(todo, len(cells), jobs, runner.log)
    running: Dict[Future, Cell] = {}
    pending = list(todo)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        while pending or running:
            busy = {c.key for c in running.values()}
            ready = [
                c for c in pending if not c.depends_on
                or not (c.depends_on in busy or any(p.key == c.depends_on
                                                    for p in pending))
            ]
            for cell in longest_first(
                    ready, progress.expected)[:max(0, jobs - len(running))]:
                pending.remove(cell)
                running[pool.submit(runner.run, cell)] = cell
            done, _ = wait_futures(list(running), return_when=FIRST_COMPLETED)
            for future in done:
                cell = running.pop(future)
                progress.update(cell, future.result())
    return [runner.current(c) for c in cells]


def longest_first(cells: List[Cell],
                  expected: Callable[[Cell], Optional[float]]) -> List[Cell]:
    """Order ready cells for the free job slots: longest expected first.

    Cells of a kind not timed yet come first (they may be the long ones, and
    running them early tells), then the others by decreasing mean wall time
    of their kind; ties keep the suite's order. Starting the long cells
    first keeps the last minutes from being one long cell on one core.
    """

    def key(item):
        index, cell = item
        seconds = expected(cell)
        return (seconds is not None, -(seconds or 0.0), index)

    return [cell for _, cell in sorted(enumerate(cells), key=key)]


class _Progress:
    """One line per finished cell: how many are done, and an ETA.

    The ETA sums, over the cells still to run, the mean wall time of
    finished cells of the same kind (pre-training, or the same task), or of
    all finished cells while a kind has none, divided by the parallel jobs.
    """

    def __init__(self, todo: List[Cell], total: int, jobs: int,
                 log: Callable) -> None:
        self.remaining = {c.key: self._kind(c) for c in todo}
        self.total, self.done, self.failed = total, total - len(todo), 0
        self.jobs = jobs
        self.log = log
        self.times: Dict[str, List[float]] = {}

    @staticmethod
    def _kind(cell: Cell) -> str:
        return cell.kind if cell.kind == 'pretrain' else cell.task.name

    def expected(self, cell: Cell) -> Optional[float]:
        """Mean wall time of finished cells of this cell's kind."""
        times = self.times.get(self._kind(cell))
        return sum(times) / len(times) if times else None

    def eta(self) -> float:
        finished = [t for times in self.times.values() for t in times]
        if not finished:
            return 0.0
        overall = sum(finished) / len(finished)
        seconds = sum(
            sum(self.times[kind]) /
            len(self.times[kind]) if kind in self.times else overall
            for kind in self.remaining.values())
        return seconds / self.jobs

    def update(self, cell: Cell, record: dict) -> None:
        self.done += 1
        self.failed += record['status'] != 'done'
        self.remaining.pop(cell.key, None)
        self.times.setdefault(self._kind(cell),
                              []).append(record.get('wall_time_s', 0))
        status = 'done' if record['status'] == 'done' else \
            f"FAILED: {record.get('reason')}"
        value = f" {cell.task.metric}={record['value']:.4g}" if \
            record.get('value') is not None else ''
        self.log(f'[benchmark] {self.done}/{self.total} '
                 f'({self.failed} failed) {cell.key} '
                 f"{record.get('wall_time_s', 0):.0f}s{value} {status} | "
                 f'ETA {_duration(self.eta())}')


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f'{minutes}m{seconds:02d}s'


__all__ = [
    'CellRunner', 'longest_first', 'run_suite', 'SuiteError', 'write_json'
]
