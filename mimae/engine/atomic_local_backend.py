"""Local file writes that a crash or kill cannot leave half-written.

mmengine saves checkpoints (and dumps configs) through its ``local`` file
backend, which writes in place: a process killed mid-write leaves a
truncated ``epoch_N.pth``, and with ``max_keep_ckpts=1`` the previous
checkpoint has already been deleted by then. This backend writes to a
temporary file in the same directory, syncs it, and renames it over the
target, so the target is always either the old file or the complete new one.
:func:`mimae.compat.fix_atomic_local_backend` registers it as mmengine's
``local`` backend when :mod:`mimae` is imported (``MIMAE_SKIP_FIXES`` lists
how to turn that off).
"""
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Union

from mmengine.fileio.backends import LocalBackend


def _umask() -> int:
    """The process umask, read without changing it where Linux allows."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('Umask:'):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore, the only way
    os.umask(mask)
    return mask


class AtomicLocalBackend(LocalBackend):
    """:class:`mmengine.fileio.LocalBackend` with atomic ``put``."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write bytes to ``filepath`` atomically (temp file + rename)."""
        directory = osp.dirname(osp.abspath(filepath))
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            dir=directory, prefix=f'.{osp.basename(filepath)}.', suffix='.tmp')
        try:
            # mkstemp creates the file 0600; give it the mode a plain
            # open() would, so others can read checkpoints as before.
            os.fchmod(fd, 0o666 & ~_umask())
            with os.fdopen(fd, 'wb') as f:
                f.write(obj)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, filepath)
        except BaseException as error:
            if osp.exists(tmp):
                os.remove(tmp)
            if isinstance(error, OSError):  # e.g. a full disk
                raise OSError(
                    error.errno,
                    f'could not write {filepath}: {error.strerror}. Nothing '
                    'was written under that name; files written before '
                    '(earlier checkpoints) are intact') from error
            raise

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        """Write text to ``filepath`` atomically."""
        self.put(obj.encode(encoding), filepath)
