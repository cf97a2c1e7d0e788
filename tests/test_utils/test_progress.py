"""Progress bars: drawn on a terminal, silent elsewhere."""
import io
import os
import pty
import subprocess
import sys

from rich.console import Console
from tests_support import REPO_ROOT

from mimae.utils import track


def test_bar_on_a_terminal_and_items_unchanged():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=80)
    assert list(track(range(5), 'counting',
                      console=console)) == [0, 1, 2, 3, 4]
    text = out.getvalue()
    assert 'counting' in text and '100%' in text


def test_silent_when_not_a_terminal():
    out = io.StringIO()
    console = Console(file=out)
    assert list(track('abc', 'letters', console=console)) == ['a', 'b', 'c']
    assert out.getvalue() == ''


def _converter(out_dir, stderr) -> subprocess.Popen:
    return subprocess.Popen([
        sys.executable, 'tools/dataset_converters/digit_scenes.py',
        str(out_dir), '--num-train', '3', '--num-val', '2'
    ],
                            cwd=REPO_ROOT,
                            stdout=subprocess.DEVNULL,
                            stderr=stderr)


def test_dataset_builder_shows_progress_only_on_a_terminal(tmp_path):
    piped = _converter(tmp_path / 'piped', subprocess.PIPE)
    _, err = piped.communicate(timeout=300)
    assert piped.returncode == 0
    assert b'scenes' not in err
    # Standard error on a pseudo-terminal, as in an interactive shell; read
    # while the child writes, so a full terminal buffer cannot block it.
    leader, follower = pty.openpty()
    shown = _converter(tmp_path / 'tty', follower)
    os.close(follower)
    drawn = b''
    try:
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed the terminal: all read
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(leader)
    assert shown.wait(timeout=300) == 0
    for label in (b'COCO scenes train', b'COCO scenes val',
                  b'ADE20K scenes training', b'ADE20K scenes validation'):
        assert label in drawn, drawn[-2000:]
