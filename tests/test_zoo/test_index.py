"""The model index: every config listed, every weight hash-checked, names
resolved with helpful errors, other teams' indexes added by a setting."""
import glob
import os.path as osp

import pytest
import yaml
from tests_support import REPO_ROOT

from mimae.zoo import expected_hash, find_model, list_models, load_index
from mimae.zoo.index import project_root

# Short aliases of other configs (same file content through _base_).
ALIASES = {'mimae_vitb', 'mimae_vitl'}


def test_every_config_is_in_the_index(zoo_cache):
    configs = {
        osp.splitext(osp.basename(p))[0]
        for task in ('pretrain', 'cls', 'det', 'seg')
        for p in glob.glob(
            osp.join(REPO_ROOT, 'configs', task, '**', '*.py'), recursive=True)
        if '_base_' not in p
    } - ALIASES
    names = set(list_models())
    assert configs - names == set()
    for row in load_index().values():
        assert row.config is None or '::' in row.config or osp.isfile(
            row.config), row.name
        assert row.license, row.name


def test_every_published_weight_has_a_hash(zoo_cache):
    rows = [r for r in load_index().values() if r.weights]
    assert len(rows) >= 12  # MMPretrain MAE x8, official MAE x3, ViTDet
    for row in rows:
        assert expected_hash(row.weights, row.weights_hash), row.name
        # Plain URLs, as mim and MMPretrain use them (mim names the file
        # after everything behind the last '/').
        assert '#' not in row.weights, row.name
    # The official MAE release publishes MD5 prefixes only.
    official = find_model('mae_pretrain_vit_base')
    assert expected_hash(official.weights,
                         official.weights_hash) == ('md5', '8cad7c')


def test_names_patterns_and_the_closest_names(zoo_cache):
    assert 'mimae_vit-tiny-p4_1xb64-coslr-20e_digits' in list_models(
        'mimae_*digits')
    assert all(
        n.startswith('mae_pretrain') for n in list_models('MAE_PRETRAIN*'))
    with pytest.raises(KeyError) as error:
        find_model('mae_pretrain_vit_bse')
    assert "Closest: ['mae_pretrain_vit_base'" in str(error.value)


def team_index(folder, name='team_model', weights='http://h/x.pth#md5=abcdef'):
    path = osp.join(folder, 'index.yml')
    with open(path, 'w') as f:
        yaml.safe_dump(
            {
                'Models': [{
                    'Name': name,
                    'Weights': weights,
                    'Config': 'cfg.py',
                    'Metadata': {
                        'License': 'MIT'
                    }
                }]
            }, f)
    return path


def test_another_index_adds_its_names(zoo_cache, tmp_path, monkeypatch,
                                      file_server):
    monkeypatch.setenv('MIMAE_MODEL_INDEX', team_index(str(tmp_path)))
    row = find_model('TEAM_MODEL')
    assert row.config == str(tmp_path / 'cfg.py')  # relative to its index
    assert row.license == 'MIT'
    # ...also served over HTTP; its configs are this project's.
    with open(team_index(str(tmp_path), 'remote_model'), 'rb') as f:
        file_server.files['index.yml'] = f.read()
    monkeypatch.setenv('MIMAE_MODEL_INDEX', file_server.url + 'index.yml')
    assert find_model('remote_model').config == osp.join(
        project_root(), 'cfg.py')


def test_a_name_defined_twice_is_refused(zoo_cache, tmp_path, monkeypatch):
    monkeypatch.setenv('MIMAE_MODEL_INDEX',
                       team_index(str(tmp_path), 'mae_pretrain_vit_base'))
    with pytest.raises(ValueError, match='mae_pretrain_vit_base.*both'):
        list_models()
