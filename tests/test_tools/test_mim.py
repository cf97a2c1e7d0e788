"""mim finds mimae's model index and configs in the package's ``.mim``."""
import os
import subprocess
import sys

from tests_support import REPO_ROOT

# mim downloads with requests; send the publisher's host to the loopback
# server, as a mirror would (mim itself checks no hash: mimae's own
# downloader does).
MIM = """
import sys
import requests
publisher, mirror = sys.argv[1:3]
original = requests.Session.request
def request(self, method, url, *args, **kwargs):
    return original(self, method, url.replace(publisher, mirror), *args,
                    **kwargs)
requests.Session.request = request
from mim.cli import cli
sys.argv = ['mim'] + sys.argv[3:]
cli()
"""


def mim(args, env=None, publisher='x', mirror='x'):
    # The editable install keeps its metadata in the repository (as a wheel
    # keeps it next to the package): mim locates the package through it.
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, **(env or {}))
    return subprocess.run(
        [sys.executable, '-c', MIM, publisher, mirror, *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300)


def test_mim_download_by_name(file_server, tmp_path):
    data = os.urandom(4096)
    file_server.files['mae/pretrain/mae_pretrain_vit_base.pth'] = data
    result = mim([
        'download', 'mimae', '--config', 'mae_pretrain_vit_base', '--dest',
        str(tmp_path)
    ],
                 publisher='https://dl.fbaipublicfiles.com/',
                 mirror=file_server.url)
    assert result.returncode == 0, (
        result.stdout[-2000:] + result.stderr[-2000:])
    assert (tmp_path / 'mae_pretrain_vit_base.pth').read_bytes() == data
    # ...and the config, resolved through mmengine with its _base_ chain.
    config = (tmp_path / 'mae_pretrain_vit_base.py').read_text()
    assert "type='MAE'" in config
