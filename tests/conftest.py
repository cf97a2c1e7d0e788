import copy
import os.path as osp

import pytest

import mimae  # noqa: F401  (first: compatibility fixes before torchvision)

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TINY_CONFIG = osp.join(REPO_ROOT, 'configs', 'pretrain',
                       'mimae_vit-tiny-p4_1xb64-coslr-20e_digits.py')

# 32 px, patch 8, 2 layers: the smallest MI-MAE that still has 16 patches.
TINY_MODEL = dict(
    type='MIMAE',
    backbone=dict(
        type='MIMAEViT',
        arch=dict(
            embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64),
        img_size=32,
        patch_size=8,
        num_masks=4,
        mask_ratio=0.75),
    neck=dict(
        type='MAEPretrainDecoder',
        num_patches=16,
        patch_size=8,
        in_chans=3,
        embed_dim=32,
        decoder_embed_dim=32,
        decoder_depth=1,
        decoder_num_heads=2,
        mlp_ratio=2.),
    head=dict(
        type='MAEPretrainHead',
        norm_pix=True,
        patch_size=8,
        loss=dict(type='PixelReconstructionLoss', criterion='L2')),
    mi_max_head=dict(
        type='MaxMIHead',
        hid_channels=64,
        out_channels=16,
        loss=dict(type='CrossEntropyLoss', loss_weight=0.5)),
    mi_min_head=dict(type='MinMIHead', hid_channels=32, loss_weight=0.5),
    data_preprocessor=dict(
        type='SelfSupDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True))


@pytest.fixture
def tiny_model_cfg() -> dict:
    return copy.deepcopy(TINY_MODEL)


@pytest.fixture(scope='session')
def digits_root(tmp_path_factory) -> str:
    """scikit-learn digits in the ImageNet layout, built once per session."""
    from mimae.dataset_builders import build_digits_imagenet
    root = str(tmp_path_factory.mktemp('digits'))
    build_digits_imagenet(root)
    return root


@pytest.fixture
def free_port() -> str:
    """A TCP port the OS says is free, for a test's process group."""
    import socket
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return str(sock.getsockname()[1])


@pytest.fixture(scope='session')
def pretrain_checkpoint(digits_root, tmp_path_factory):
    """A real pre-training checkpoint: one epoch of the demo config through
    tools/train.py. Returns (path, its backbone tensors without prefix)."""
    import subprocess
    import sys

    from mimae.zoo.safe_load import safe_torch_load
    work_dir = str(tmp_path_factory.mktemp('pretrain'))
    result = subprocess.run([
        sys.executable, 'tools/train.py', TINY_CONFIG, '--work-dir', work_dir,
        '--cfg-options', f'train_dataloader.dataset.data_root={digits_root}',
        'train_cfg.max_epochs=1', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False'
    ],
                            cwd=REPO_ROOT,
                            capture_output=True,
                            text=True,
                            timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    path = osp.join(work_dir, 'epoch_1.pth')
    state = safe_torch_load(path, map_location='cpu')
    backbone = {
        k[len('backbone.'):]: v
        for k, v in state['state_dict'].items() if k.startswith('backbone.')
    }
    return path, backbone


@pytest.fixture
def file_server():
    """A loopback HTTP server (tests_support.FileServer)."""
    from tests_support import FileServer
    server = FileServer()
    yield server
    server.close()


@pytest.fixture
def zoo_cache(tmp_path, monkeypatch) -> str:
    """An empty model-zoo cache for this test, online."""
    cache = str(tmp_path / 'zoo-cache')
    monkeypatch.setenv('MIMAE_CACHE_DIR', cache)
    monkeypatch.delenv('MIMAE_OFFLINE', raising=False)
    monkeypatch.delenv('MIMAE_MODEL_INDEX', raising=False)
    monkeypatch.delenv('MIMAE_TRUSTED_CHECKPOINTS', raising=False)
    return cache
