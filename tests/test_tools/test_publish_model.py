"""publish -> index -> download -> get_model, against a loopback server."""
import glob
import os.path as osp
import re

import torch
import yaml
from tests_support import REPO_ROOT, run_tool

from mimae.zoo.download import file_hash
from mimae.zoo.safe_load import safe_torch_load

NAME = 'team_mimae_vit-tiny-p4_digits'
CONFIG = osp.join(REPO_ROOT, 'configs', 'pretrain',
                  'mimae_vit-tiny-p4_1xb64-coslr-20e_digits.py')


def test_publish_then_download_and_build_by_name(pretrain_checkpoint,
                                                 file_server, zoo_cache,
                                                 tmp_path, monkeypatch):
    ckpt, backbone = pretrain_checkpoint
    out_dir, index = tmp_path / 'published', tmp_path / 'index.yml'
    run_tool([
        'tools/model_converters/publish_model.py', ckpt, NAME, '--config',
        CONFIG, '--base-url', file_server.url, '--out-dir', out_dir,
        '--metafile', index
    ])
    [published] = glob.glob(str(out_dir / '*.pth'))
    filename = osp.basename(published)
    sha256 = file_hash(published)
    assert re.fullmatch(rf'{NAME}_\d{{8}}-{sha256[:8]}\.pth', filename)
    slim = safe_torch_load(published)
    assert sorted(slim) == ['meta', 'state_dict']  # no optimizer, hub
    assert slim['meta']['epoch'] == 1
    [row] = yaml.safe_load(index.read_text())['Models']
    assert row['Weights'] == f'{file_server.url}{filename}'
    assert row['Metadata'] == {
        'License': 'Apache-2.0',
        'Epochs': 1,
        'Weights Hash': f'sha256={sha256}'
    }

    with open(published, 'rb') as f:
        file_server.files[filename] = f.read()
    monkeypatch.setenv('MIMAE_MODEL_INDEX', str(index))
    result = run_tool(['tools/download_checkpoint.py', NAME])
    cached = osp.join(zoo_cache, filename)
    assert result.stdout.startswith(cached)
    assert f'sha256 {sha256}' in result.stdout

    from mimae.apis import get_model, register_in_mmpretrain
    model = get_model(NAME, pretrained=True)
    for key, value in backbone.items():
        assert torch.equal(model.backbone.state_dict()[key], value)
    # Without weights unless asked for, as MMPretrain's get_model.
    fresh = get_model(NAME).backbone.state_dict()
    assert not all(torch.equal(fresh[k], v) for k, v in backbone.items())
    # MMPretrain's own get_model knows the name once it is registered
    # (importing mimae.apis did that, with this index set; again is a no-op).
    import mmpretrain
    register_in_mmpretrain()
    assert mmpretrain.list_models(NAME) == [NAME]
    model = mmpretrain.get_model(NAME, pretrained=True)
    assert torch.equal(model.backbone.pos_embed, backbone['pos_embed'])
    # One transfer: every later use read the cache.
    assert file_server.transfers(filename) == [None]


def test_download_tool_names_the_closest_models(zoo_cache):
    import subprocess
    import sys
    result = subprocess.run([
        sys.executable, 'tools/download_checkpoint.py', 'mae_pretrain_vit_bse'
    ],
                            cwd=REPO_ROOT,
                            capture_output=True,
                            text=True)
    assert result.returncode == 1
    assert "Closest: ['mae_pretrain_vit_base'" in result.stderr
