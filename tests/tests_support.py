"""Builders shared by several test modules."""
import os.path as osp

import torch
from mmpretrain.registry import MODELS


def tiny_pretrain_checkpoint(out_dir, arch: dict, img_size: int = 64,
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
            backbone=dict(type='MIMAEViT', arch=arch, img_size=img_size,
                          patch_size=patch_size),
            neck=dict(type='MAEPretrainDecoder', num_patches=num_patches,
                      patch_size=patch_size, embed_dim=arch['embed_dims'],
                      decoder_embed_dim=16, decoder_depth=1,
                      decoder_num_heads=2),
            head=dict(type='MAEPretrainHead', norm_pix=True,
                      patch_size=patch_size,
                      loss=dict(type='PixelReconstructionLoss',
                                criterion='L2')),
            mi_max_head=dict(type='MaxMIHead', hid_channels=16,
                             out_channels=8),
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


def run_tool(args: list, env: dict = None):
    """Run a command from the repository root; fail with its output.

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
    result = subprocess.run(cmd,
                            cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=900,
                            env=dict(os.environ, PYTHON=sys.executable,
                                     **(env or {})))
    assert result.returncode == 0, (result.stdout[-3000:] +
                                    result.stderr[-3000:])
    return result


def data_options(data_root: str, ann_file: str = None) -> list:
    """``--cfg-options`` that point a config's train, val and test loaders
    (and, for COCO, the evaluators' ``ann_file``) at a generated dataset,
    read in the main process."""
    opts = []
    if ann_file:
        opts += [f'val_evaluator.ann_file={ann_file}',
                 f'test_evaluator.ann_file={ann_file}']
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        opts += [f'{loader}.dataset.data_root={data_root}',
                 f'{loader}.num_workers=0',
                 f'{loader}.persistent_workers=False']
    return opts


def train_one_iteration(config: str, ckpt: str, work_dir: str,
                        options: list):
    """``tools/train.py CONFIG`` for one iteration from the pre-training
    checkpoint ``ckpt``, validating after it."""
    return run_tool([
        'tools/train.py', config, '--work-dir', work_dir,
        '--cfg-options', f'model.backbone.init_cfg.checkpoint={ckpt}',
        'train_cfg.max_iters=1', 'train_cfg.val_interval=1'
    ] + options)
