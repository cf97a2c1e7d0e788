"""Builders shared by several test modules."""
import os.path as osp

import torch
from mmpretrain.registry import MODELS


def tiny_pretrain_checkpoint(out_dir,
                             arch: dict,
                             img_size: int = 64,
                             patch_size: int = 8):
    """Save a tiny MI-MAE checkpoint as the runner does (``state_dict`` with
    ``backbone.``, ``neck.``, ``head.`` and MI-head keys).

    Returns:
        (path, backbone state dict without the prefix)
    """
    num_patches = (img_size // patch_size)**2
    model = MODELS.build(
        dict(
            type='MIMAE',
            backbone=dict(
                type='MIMAEViT',
                arch=arch,
                img_size=img_size,
                patch_size=patch_size),
            neck=dict(
                type='MAEPretrainDecoder',
                num_patches=num_patches,
                patch_size=patch_size,
                embed_dim=arch['embed_dims'],
                decoder_embed_dim=16,
                decoder_depth=1,
                decoder_num_heads=2),
            head=dict(
                type='MAEPretrainHead',
                norm_pix=True,
                patch_size=patch_size,
                loss=dict(type='PixelReconstructionLoss', criterion='L2')),
            mi_max_head=dict(
                type='MaxMIHead', hid_channels=16, out_channels=8),
            mi_min_head=dict(type='MinMIHead', hid_channels=16)))
    model.init_weights()
    # Distinct values everywhere, so a tensor that was not loaded shows.
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    path = osp.join(str(out_dir), 'pretrain.pth')
    torch.save({'meta': {}, 'state_dict': model.state_dict()}, path)
    backbone = {k: v.clone() for k, v in model.backbone.state_dict().items()}
    return path, backbone


REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def load_tool(path: str):
    """A script under ``tools/`` (path relative to the repository) as a
    module, to call its functions in-process."""
    import importlib.util
    name = osp.splitext(osp.basename(path))[0] + '_tool'
    spec = importlib.util.spec_from_file_location(name,
                                                  osp.join(REPO_ROOT, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_tool(args: list, env: dict = None, cwd: str = None):
    """Run a command from the repository root (or ``cwd``); fail with its
    output.

    A ``.py`` script runs with this interpreter; ``$PYTHON`` tells the shell
    launchers (``tools/dist_*.sh``) the same.

    Returns:
        subprocess.CompletedProcess: the finished run (return code 0).
    """
    import os
    import subprocess
    import sys
    cmd = [str(a) for a in args]
    if cmd[0].endswith('.py'):
        cmd.insert(0, sys.executable)
    result = subprocess.run(
        cmd,
        cwd=cwd or REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env=dict(os.environ, PYTHON=sys.executable, **(env or {})))
    assert result.returncode == 0, (
        result.stdout[-3000:] + result.stderr[-3000:])
    return result


def data_options(data_root: str, ann_file: str = None) -> list:
    """``--cfg-options`` that point a config's train, val and test loaders
    (and, for COCO, the evaluators' ``ann_file``) at a generated dataset,
    read in the main process."""
    opts = []
    if ann_file:
        opts += [
            f'val_evaluator.ann_file={ann_file}',
            f'test_evaluator.ann_file={ann_file}'
        ]
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        opts += [
            f'{loader}.dataset.data_root={data_root}',
            f'{loader}.num_workers=0', f'{loader}.persistent_workers=False'
        ]
    return opts


def train_one_iteration(config: str, ckpt: str, work_dir: str, options: list):
    """``tools/train.py CONFIG`` for one iteration from the pre-training
    checkpoint ``ckpt``, validating after it."""
    return run_tool([
        'tools/train.py', config, '--work-dir', work_dir, '--cfg-options',
        f'model.backbone.init_cfg.checkpoint={ckpt}', 'train_cfg.max_iters=1',
        'train_cfg.val_interval=1'
    ] + options)


class FileServer:
    """A real HTTP server on loopback serving ``files`` (name -> bytes).

    Like a CDN it answers ``Range`` requests with 206. ``cut[name] = n``
    makes the next response for ``name`` stop after ``n`` bytes and drop
    the connection (an interrupted transfer); ``status[name] = code``
    answers with that error. ``requests`` records ``(name, Range header)``.
    """

    def __init__(self):
        import http.server
        import threading
        self.files, self.cut, self.status, self.requests = {}, {}, {}, []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):

            def do_GET(self):  # noqa: N802 (the http.server API)
                name = self.path.lstrip('/').split('?')[0]
                server.requests.append((name, self.headers.get('Range')))
                if name in server.status:
                    self.send_error(server.status[name])
                    return
                if name not in server.files:
                    self.send_error(404)
                    return
                data = server.files[name]
                start = 0
                if self.headers.get('Range'):
                    start = int(
                        self.headers['Range'].split('=')[1].split('-')[0])
                    self.send_response(206)
                    self.send_header(
                        'Content-Range', f'bytes {start}-{len(data) - 1}/'
                        f'{len(data)}')
                else:
                    self.send_response(200)
                self.send_header('Content-Length', str(len(data) - start))
                self.end_headers()
                stop = server.cut.pop(name, None)
                body = data[start:] if stop is None else data[start:stop]
                self.wfile.write(body)
                if stop is not None:
                    self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = f'http://127.0.0.1:{self.httpd.server_address[1]}/'
        self.thread = threading.Thread(
            target=self.httpd.serve_forever,
            kwargs=dict(poll_interval=0.05),
            daemon=True)
        self.thread.start()

    def transfers(self, name: str) -> list:
        """The Range header of every request for ``name`` (None: whole)."""
        return [r for n, r in self.requests if n == name]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
