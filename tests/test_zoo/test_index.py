"""The model index: every config listed, every weight hash-checked, names
resolved with helpful errors, other teams' indexes added by a setting."""
import glob
import os.path as osp

import pytest
import yaml
from tests_support import REPO_ROOT, load_tool

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


def test_an_index_variable_naming_a_missing_file_says_so(
        zoo_cache, tmp_path, monkeypatch):
    missing = str(tmp_path / 'nowhere.yml')
    monkeypatch.setenv('MIMAE_MODEL_INDEX', missing)
    with pytest.raises(
            FileNotFoundError,
            match=f"MIMAE_MODEL_INDEX='{missing}' names the model "
            f'index {missing}, which does not exist'):
        list_models()


def test_download_tool_lists_every_name_marking_those_with_weights(
        zoo_cache, capsys):
    tool = load_tool('tools/download_checkpoint.py')
    assert tool.main(['--list']) == 0
    rows = dict(line.split() for line in capsys.readouterr().out.splitlines())
    assert set(rows) == set(list_models())
    assert rows['mae_pretrain_vit_base'] == 'weights'
    assert rows[next(n for n in list_models()
                     if not find_model(n).weights)] == '-'
    assert tool.main(['--list', 'mae_pretrain_*']) == 0
    assert capsys.readouterr().out.split()[0] == 'mae_pretrain_vit_base'


def test_each_row_brings_its_own_hash(zoo_cache, tmp_path, monkeypatch,
                                      file_server):
    """Two rows with one URL and different hashes: a name gets its row's
    hash (not the first row's), the bare URL is refused as ambiguous."""
    import hashlib

    from mimae.zoo import DownloadError, resolve
    payload = b'weights'
    file_server.files['w.pth'] = payload
    url = file_server.url + 'w.pth'
    right = hashlib.sha256(payload).hexdigest()
    path = tmp_path / 'index.yml'
    path.write_text(
        yaml.safe_dump({
            'Models': [{
                'Name': name,
                'Weights': url,
                'Config': 'cfg.py',
                'Metadata': {
                    'Weights Hash': f'sha256={digest}'
                }
            } for name, digest in (('stale_row', '0' * 64), ('good_row',
                                                             right))]
        }))
    monkeypatch.setenv('MIMAE_MODEL_INDEX', str(path))
    assert open(resolve('good_row'), 'rb').read() == payload
    with pytest.raises(DownloadError):
        resolve('stale_row')
    with pytest.raises(ValueError, match='stale_row.*good_row.*give the row'):
        resolve(url)
