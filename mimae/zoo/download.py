"""Download checkpoints once, into one cache, and only if their hash matches.

The expected hash is, first found:

- a fragment of the URL, ``#sha256=<hex>`` or ``#md5=<hex>`` (a prefix of at
  least six hex digits: the official MAE release publishes only six of the
  MD5), as pip writes it;
- the ``Weights Hash`` the model index gives for the URL (the same
  ``sha256=<hex>`` syntax; passed in as ``expected``);
- OpenMMLab's file name convention, ``<name>_<date>-<sha256[:8]>.pth``.

A transfer goes to ``<file>.part`` and is moved to its name only after the
hash matched, so a file under its own name in the cache is always complete.
An interrupted transfer resumes where it stopped (HTTP ``Range``), in the
same call (``retries``) or the next one. A URL that carries no hash is
accepted with a warning, and the sha256 it had is kept next to it
(``<file>.sha256``): every later use checks the cached file against its
hash, and a file that changed is refused, never re-used. With
``MIMAE_OFFLINE=1`` nothing is downloaded: a cached file is used, and a
missing one is an error that says where it should be.
"""
import hashlib
import os
import os.path as osp
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from typing import Optional, Tuple

from mmengine.logging import print_log

CACHE_ENV = 'MIMAE_CACHE_DIR'
OFFLINE_ENV = 'MIMAE_OFFLINE'
_CHUNK = 1 << 20


class DownloadError(RuntimeError):
    """A checkpoint could not be fetched (network, HTTP status, offline)."""


class HashMismatchError(DownloadError):
    """A downloaded or cached file does not have the expected hash."""


def cache_dir() -> str:
    """``$MIMAE_CACHE_DIR``, else ``<torch hub dir>/mimae``."""
    if os.environ.get(CACHE_ENV):
        return osp.expanduser(os.environ[CACHE_ENV])
    import torch.hub
    return osp.join(torch.hub.get_dir(), 'mimae')


def offline() -> bool:
    return os.environ.get(OFFLINE_ENV, '').lower() not in ('', '0', 'false')


def parse_hash(text: str, where: str) -> Tuple[str, str]:
    """``'md5=8cad7c'`` -> ``('md5', '8cad7c')``."""
    match = re.fullmatch(r'(sha256|md5)=([0-9a-fA-F]{6,})', text.strip())
    if not match:
        raise ValueError(f'{where}: a hash is sha256=<hex> or md5=<hex> (at '
                         f'least 6 hex digits), not {text!r}')
    return match.group(1), match.group(2).lower()


def expected_hash(
        url: str,
        index_hash: Optional[str] = None) -> Optional[Tuple[str, str]]:
    """``(algorithm, hex prefix)`` that ``url`` is promised to have, or None.

    Args:
        url (str): The URL, with or without a hash fragment.
        index_hash (str, optional): What the model index says
            (``sha256=<hex>`` or ``md5=<hex>``).

    Examples:
        >>> expected_hash('https://x/mae_pretrain_vit_base.pth#md5=8cad7c')
        ('md5', '8cad7c')
        >>> expected_hash('https://x/mae_..._20220825-bc79e40b.pth')
        ('sha256', 'bc79e40b')
    """
    fragment = urllib.parse.urldefrag(url).fragment
    if fragment:
        return parse_hash(fragment, url)
    if index_hash:
        return parse_hash(index_hash, f'the model index entry of {url}')
    name = osp.basename(urllib.parse.urlparse(url).path)
    match = re.search(r'-([0-9a-f]{8})\.pth$', name)
    return ('sha256', match.group(1)) if match else None


def file_hash(path: str, algorithm: str = 'sha256') -> str:
    digest = hashlib.new(algorithm)
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(_CHUNK), b''):
            digest.update(chunk)
    return digest.hexdigest()


def cached_path(url: str) -> str:
    """Where ``url`` is kept in the cache (its file name)."""
    name = osp.basename(urllib.parse.urlparse(url).path)
    if not name:
        raise ValueError(f'{url}: no file name in the URL')
    return osp.join(cache_dir(), name)


def _check(path: str, url: str, expected: Optional[Tuple[str, str]],
           what: str) -> str:
    """The file's sha256; raises if it breaks the promised hash."""
    sha256 = file_hash(path)
    if expected is None:
        return sha256
    algorithm, prefix = expected
    got = sha256 if algorithm == 'sha256' else file_hash(path, algorithm)
    if not got.startswith(prefix):
        raise HashMismatchError(
            f'{what} {path} from {url}: {algorithm} {got}, expected one '
            f'starting with {prefix}.')
    return sha256


def download(url: str,
             index_hash: Optional[str] = None,
             retries: int = 3,
             progress: Optional[bool] = None,
             timeout: float = 60.0) -> str:
    """The local path of ``url``'s file, downloading it if not cached.

    Args:
        url (str): ``http(s)://...`` with an optional ``#sha256=`` /
            ``#md5=`` fragment.
        index_hash (str, optional): The model index's ``Weights Hash``.
        retries (int): Attempts after a failed or cut transfer (each one
            resumes). HTTP 4xx errors are not retried.
        progress (bool, optional): Show a progress bar; by default when
            stderr is a terminal.
        timeout (float): Seconds without data before an attempt fails.

    Raises:
        HashMismatchError: the file (new or cached) breaks its hash.
        DownloadError: HTTP error, repeated network failure, or offline
            mode without a cached copy.
    """
    expected = expected_hash(url, index_hash)
    path = cached_path(url)
    record = path + '.sha256'
    if osp.isfile(path):
        sha256 = _check(path, url, expected, 'cached file')
        if osp.isfile(record):
            with open(record) as f:
                kept = f.read().strip()
            if kept != sha256:
                raise HashMismatchError(
                    f'cached file {path} from {url} has sha256 {sha256}, '
                    f'but it had {kept} when it was downloaded; it changed '
                    'since. Delete it to download it again.')
        return path
    if offline():
        raise DownloadError(
            f'{OFFLINE_ENV} is set and {url} is not in the cache: expected '
            f'{path}. Download it where there is network (python '
            'tools/download_checkpoint.py URL|NAME) and copy it there, or '
            f'point {CACHE_ENV} at a cache that has it.')
    os.makedirs(osp.dirname(path), exist_ok=True)
    part = path + '.part'
    source = urllib.parse.urldefrag(url).url
    for attempt in range(retries + 1):
        try:
            _transfer(source, part, progress, timeout)
            break
        except urllib.error.HTTPError as error:
            if 400 <= error.code < 500 or attempt == retries:
                raise DownloadError(
                    f'{source}: HTTP {error.code} {error.reason}') from None
        except (OSError, _Truncated) as error:
            if attempt == retries:
                got = osp.getsize(part) if osp.isfile(part) else 0
                raise DownloadError(
                    f'{source}: transfer failed after {retries + 1} '
                    f'attempts ({error}); the {got} bytes received are kept '
                    f'in {part}, and the next call resumes from them.'
                ) from None
        print_log(
            f'{source}: attempt {attempt + 1} failed, resuming',
            logger='current')
        time.sleep(min(2**attempt, 10) * 0.1)
    try:
        sha256 = _check(part, url, expected, 'downloaded file')
    except HashMismatchError:
        os.remove(part)
        raise
    if expected is None:
        warnings.warn(
            f'{source} carries no hash (no #sha256= fragment, no Weights '
            'Hash in the model index, no OpenMMLab -<sha256[:8]>.pth name); '
            f'its sha256 is {sha256}. Add #sha256={sha256} to the URL to '
            'have it checked.')
    with open(record, 'w') as f:
        f.write(sha256 + '\n')
    os.replace(part, path)
    return path


class _Truncated(Exception):
    """The server closed the connection before Content-Length bytes."""


def _transfer(url: str, part: str, progress: Optional[bool],
              timeout: float) -> None:
    """Append ``url``'s bytes to ``part``, resuming after what it holds."""
    have = osp.getsize(part) if osp.isfile(part) else 0
    request = urllib.request.Request(url)
    if have:
        request.add_header('Range', f'bytes={have}-')
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        if error.code == 416 and have:  # the part is already complete
            return
        raise
    with response:
        if have and response.status != 206:  # no range support: restart
            have = 0
        length = response.headers.get('Content-Length')
        total = have + int(length) if length is not None else None
        show = sys.stderr.isatty() if progress is None else progress
        with open(part, 'ab' if have else 'wb') as f, _Bar(
                show, total, have,
                osp.basename(part)[:-5]) as bar:
            while True:
                chunk = response.read(_CHUNK)
                if not chunk:
                    break
                f.write(chunk)
                bar.advance(len(chunk))
    if total is not None and osp.getsize(part) < total:
        raise _Truncated(f'{osp.getsize(part)} of {total} bytes')


class _Bar:
    """A rich progress bar, or nothing when not shown."""

    def __init__(self, show: bool, total: Optional[int], done: int,
                 name: str) -> None:
        self.progress = None
        if show:
            from rich.progress import (BarColumn, DownloadColumn, Progress,
                                       TransferSpeedColumn)
            self.progress = Progress(
                '[progress.description]{task.description}', BarColumn(),
                DownloadColumn(), TransferSpeedColumn())
            self.task = self.progress.add_task(
                name, total=total, completed=done)

    def __enter__(self) -> '_Bar':
        if self.progress:
            self.progress.start()
        return self

    def advance(self, n: int) -> None:
        if self.progress:
            self.progress.advance(self.task, n)

    def __exit__(self, *exc) -> None:
        if self.progress:
            self.progress.stop()
