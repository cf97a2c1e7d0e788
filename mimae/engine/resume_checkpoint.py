"""Which checkpoint a ``--resume`` run starts from, checked before use."""
import glob
import os
import os.path as osp
import zipfile
from typing import List, Optional

from mmengine.logging import print_log


class CorruptCheckpointError(RuntimeError):
    """A checkpoint file that is truncated or damaged."""


def check_checkpoint_file(path: str) -> None:
    """Read every record of a checkpoint (torch's zip format) against its
    CRC, without unpickling anything; a file in torch's legacy (non-zip)
    format is loaded safely instead (it has no CRCs).

    Raises:
        CorruptCheckpointError: naming the file and what is wrong with it.
        UnsafeCheckpointError: a legacy file that needs unsafe globals.
    """
    if osp.isfile(path) and not zipfile.is_zipfile(path):
        with open(path, 'rb') as f:
            legacy = f.read(2) == b'\x80\x02'  # torch's legacy pickles
        if legacy:
            from ..zoo.safe_load import safe_torch_load
            safe_torch_load(path, map_location='cpu')
            return
    try:
        with zipfile.ZipFile(path) as archive:
            damaged = archive.testzip()
    except (OSError, zipfile.BadZipFile) as error:
        raise CorruptCheckpointError(
            f'checkpoint {path} is truncated or corrupt: {error}') from None
    if damaged is not None:
        raise CorruptCheckpointError(
            f'checkpoint {path} is corrupt: record {damaged} fails its CRC')


def _checkpoints_newest_first(work_dir: str) -> List[str]:
    found = glob.glob(osp.join(work_dir, 'epoch_*.pth')) + glob.glob(
        osp.join(work_dir, 'iter_*.pth'))
    return sorted(found, key=osp.getmtime, reverse=True)


def _remove_unfinished_writes(work_dir: str) -> None:
    """Delete the temporary files of saves a kill interrupted (the atomic
    backend writes ``.<name>.<random>.tmp`` and renames it when whole)."""
    for path in glob.glob(osp.join(work_dir, '.*.pth.*.tmp')):
        try:
            os.remove(path)
        except FileNotFoundError:  # another rank was first
            continue
        print_log(f'removed the unfinished write {path}', logger='current')


def resume_checkpoint(work_dir: str,
                      requested: Optional[str] = None,
                      fallback: bool = False) -> Optional[str]:
    """The checkpoint to resume from, checked to be whole.

    Args:
        work_dir (str): The run's folder.
        requested (str, optional): A checkpoint the user named; else the
            one mmengine's ``last_checkpoint`` points to, else the newest
            ``epoch_*.pth`` / ``iter_*.pth`` (a lost pointer).
        fallback (bool): If that checkpoint is damaged, take the newest
            older one that is whole (logged) instead of failing.

    Returns:
        The path, or None when the folder holds no checkpoint (a fresh run).

    Raises:
        CorruptCheckpointError: the checkpoint is damaged and ``fallback``
            is off (the message lists the older ones), or every checkpoint
            is damaged.
    """
    _remove_unfinished_writes(work_dir)
    older = _checkpoints_newest_first(work_dir)
    chosen = requested
    if chosen is None:
        pointer = osp.join(work_dir, 'last_checkpoint')
        if osp.isfile(pointer):
            with open(pointer) as f:
                chosen = f.read().strip() or None
        if chosen is None or not osp.isfile(chosen):
            chosen = older[0] if older else None
    if chosen is None:
        return None
    if not osp.isfile(chosen):
        raise FileNotFoundError(f'--resume {chosen}: no such checkpoint')
    older = [p for p in older if osp.abspath(p) != osp.abspath(chosen)]
    try:
        check_checkpoint_file(chosen)
        return chosen
    except CorruptCheckpointError as error:
        if not fallback:
            raise CorruptCheckpointError(
                f'{error}. Older checkpoints: {older}. Resume from one with '
                '--resume PATH, or add --resume-fallback to take the newest '
                'whole one.') from None
        damaged = error
    for path in older:
        try:
            check_checkpoint_file(path)
        except CorruptCheckpointError:
            continue
        print_log(
            f'{damaged}; --resume-fallback: resuming from {path}',
            logger='current',
            level=30)
        return path
    raise CorruptCheckpointError(f'{damaged}, and no older checkpoint in '
                                 f'{work_dir} is whole')
