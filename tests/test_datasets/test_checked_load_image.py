"""A bad image names itself; skipping is opt-in, counted and bounded."""
import os.path as osp
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest
from conftest import TINY_CONFIG
from PIL import Image
from tests_support import REPO_ROOT

from mimae.datasets import ImageDecodeError, LoadImageFromFileChecked
from mimae.zoo.safe_load import safe_torch_load


@pytest.fixture(scope='module')
def images(tmp_path_factory):
    """Real pixels in the modes ImageNet-scale folders hold, and broken
    files."""
    folder = tmp_path_factory.mktemp('modes')
    rgb = (np.random.default_rng(0).random((20, 30, 3)) * 255).astype(np.uint8)
    Image.fromarray(rgb).convert('L').save(folder / 'gray.png')
    Image.fromarray(rgb).convert('RGBA').save(folder / 'rgba.png')
    Image.fromarray(rgb).convert('CMYK').save(folder / 'cmyk.jpg')
    cv2.imwrite(str(folder / 'rgb16.png'), rgb.astype(np.uint16) * 257)
    (folder / 'empty.jpg').write_bytes(b'')
    (folder / 'truncated.jpg').write_bytes(
        (folder / 'cmyk.jpg').read_bytes()[:100])
    (folder / 'text.jpg').write_text('not an image')
    return folder


@pytest.mark.parametrize('backend', ['cv2', 'pillow'])
@pytest.mark.parametrize('name',
                         ['gray.png', 'rgba.png', 'cmyk.jpg', 'rgb16.png'])
def test_any_mode_loads_as_three_channels(images, name, backend):
    img = LoadImageFromFileChecked(imdecode_backend=backend)(
        dict(img_path=str(images / name)))['img']
    assert img.shape == (20, 30, 3) and img.dtype == np.uint8
    assert img.std() > 10  # the pixels, not a blank


@pytest.mark.parametrize(
    'name', ['empty.jpg', 'truncated.jpg', 'text.jpg', 'missing.jpg'])
def test_a_bad_file_is_named_with_its_sample(images, name):
    load = LoadImageFromFileChecked()
    path = str(images / name)
    with pytest.raises(
            ImageDecodeError,
            match=f'cannot load image {path} \\(sample 17\\)'):
        load(dict(img_path=path, sample_idx=17))
    assert load.bad_count.value == 0


def test_skipping_returns_none_and_counts(images):
    load = LoadImageFromFileChecked(skip_bad=True)
    for _ in range(2):
        assert load(dict(img_path=str(images / 'empty.jpg'),
                         sample_idx=3)) is None
    assert load.bad_count.value == 2


@pytest.fixture
def damaged_digits(digits_root, tmp_path):
    """A copy of the digits whose first training images are broken."""
    root = tmp_path / 'digits'
    shutil.copytree(digits_root, root)
    with open(root / 'meta' / 'train.txt') as f:
        files = [root / 'train' / line.split()[0] for line in f]
    return root, files


def pretrain(root, *options):
    return subprocess.run([
        sys.executable, 'tools/train.py', TINY_CONFIG, '--work-dir',
        str(root.parent / 'work'), '--cfg-options',
        f'train_dataloader.dataset.data_root={root}',
        'train_dataloader.dataset.indices=128', 'train_cfg.max_epochs=1',
        'default_hooks.checkpoint.interval=1', *options
    ],
                          cwd=REPO_ROOT,
                          capture_output=True,
                          text=True,
                          timeout=600)


def test_a_run_stops_at_a_bad_image_naming_it(damaged_digits):
    root, files = damaged_digits
    files[5].write_bytes(b'')
    result = pretrain(root)
    assert result.returncode != 0
    assert f'ImageDecodeError: cannot load image {files[5]} (sample 5)' in \
        result.stderr


def test_skipped_images_are_logged_counted_and_checkpointed(damaged_digits):
    root, files = damaged_digits
    files[5].write_bytes(b'')
    files[9].write_bytes(b'GIF89a')  # not an image, whatever it says
    result = pretrain(root, 'custom_hooks.1.skip=True',
                      'custom_hooks.1.max_fraction=0.05')
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    for path in (files[5], files[9]):
        assert f'skipped: cannot load image {path}' in log
    assert '2 undecodable training images skipped so far' in log
    ckpt = safe_torch_load(str(root.parent / 'work' / 'epoch_1.pth'))
    assert ckpt['meta']['bad_images'] == 2


def test_too_many_bad_images_stop_the_run(damaged_digits):
    root, files = damaged_digits
    for path in files[:8]:
        path.write_bytes(b'')
    result = pretrain(root, 'custom_hooks.1.skip=True',
                      'custom_hooks.1.max_fraction=0.02')
    assert result.returncode != 0
    assert 'more than BadImageHook(max_fraction=0.02): the data is damaged' \
        in result.stderr
    assert not osp.exists(root.parent / 'work' / 'epoch_1.pth')
