"""Downloads against a real HTTP server on loopback."""
import hashlib
import os
import os.path as osp

import pytest

from mimae.zoo import DownloadError, HashMismatchError, download, expected_hash

DATA = os.urandom(300_000)
SHA256 = hashlib.sha256(DATA).hexdigest()
MD5 = hashlib.md5(DATA).hexdigest()
# OpenMMLab's convention: the file name ends in the sha256's first 8 digits.
NAME = f'tiny_20261125-{SHA256[:8]}.pth'


def cache_files(cache):
    return sorted(os.listdir(cache)) if osp.isdir(cache) else []


def test_hash_comes_from_the_fragment_or_the_openmmlab_name():
    assert expected_hash(f'http://h/{NAME}') == ('sha256', SHA256[:8])
    assert expected_hash('http://h/a.pth#md5=8CAD7C') == ('md5', '8cad7c')
    assert expected_hash(f'http://h/a.pth#sha256={SHA256}') == ('sha256',
                                                                SHA256)
    assert expected_hash('http://h/a.pth') is None
    assert expected_hash('http://h/a.pth', 'md5=8cad7c') == ('md5', '8cad7c')
    # The fragment wins over the index, the index over the file name.
    assert expected_hash(f'http://h/{NAME}#md5=abcdef',
                         'md5=8cad7c') == ('md5', 'abcdef')
    assert expected_hash(f'http://h/{NAME}',
                         f'sha256={SHA256}') == ('sha256', SHA256)
    with pytest.raises(ValueError, match='sha256=<hex> or md5=<hex>'):
        expected_hash('http://h/a.pth#sha1=abcdef')


def test_downloaded_once_then_served_from_the_cache(file_server, zoo_cache):
    file_server.files[NAME] = DATA
    url = file_server.url + NAME
    path = download(url)
    assert path == osp.join(zoo_cache, NAME)
    assert open(path, 'rb').read() == DATA
    assert download(url) == path
    assert file_server.transfers(NAME) == [None]  # one transfer, no second
    # No temporary file is left, the sha256 is kept for later checks.
    assert cache_files(zoo_cache) == [NAME, NAME + '.sha256']


@pytest.mark.parametrize('suffix', ['', f'#md5={MD5[:6]}'])
def test_a_wrong_hash_is_refused_and_nothing_is_cached(file_server, zoo_cache,
                                                       suffix):
    wrong = NAME if suffix else f'tiny_20261125-{"0" * 8}.pth'
    file_server.files[wrong] = DATA[:-1] + b'x' if suffix else DATA
    with pytest.raises(HashMismatchError) as error:
        download(file_server.url + wrong + suffix)
    message = str(error.value)
    if suffix:
        assert f'expected one starting with {MD5[:6]}' in message
        assert 'md5 ' in message
    else:
        assert f'sha256 {SHA256}, expected one starting with 00000000' \
            in message
    assert cache_files(zoo_cache) == []


def test_an_interrupted_transfer_resumes(file_server, zoo_cache):
    file_server.files[NAME] = DATA
    file_server.cut[NAME] = 100_000
    path = download(file_server.url + NAME, retries=2)
    assert open(path, 'rb').read() == DATA
    # The second request asked for the rest only.
    assert file_server.transfers(NAME) == [None, 'bytes=100000-']


def test_a_transfer_that_keeps_failing_is_resumed_by_the_next_call(
        file_server, zoo_cache):
    file_server.files[NAME] = DATA
    file_server.cut[NAME] = 120_000
    with pytest.raises(DownloadError, match='120000 bytes received are kept'):
        download(file_server.url + NAME, retries=0)
    assert cache_files(zoo_cache) == [NAME + '.part']  # never under its name
    path = download(file_server.url + NAME, retries=0)
    assert open(path, 'rb').read() == DATA
    assert file_server.transfers(NAME) == [None, 'bytes=120000-']


def test_http_errors_are_reported_and_nothing_is_cached(
        file_server, zoo_cache):
    with pytest.raises(DownloadError, match='HTTP 404'):
        download(file_server.url + NAME)
    file_server.status[NAME] = 503
    with pytest.raises(DownloadError, match='HTTP 503'):
        download(file_server.url + NAME, retries=1)
    assert len(file_server.transfers(NAME)) == 3  # 404 once, 503 retried
    assert cache_files(zoo_cache) == []


def test_offline_uses_the_cache_and_names_what_is_missing(
        file_server, zoo_cache, monkeypatch):
    file_server.files[NAME] = DATA
    url = file_server.url + NAME
    monkeypatch.setenv('MIMAE_OFFLINE', '1')
    with pytest.raises(DownloadError, match=f'expected {zoo_cache}/{NAME}'):
        download(url)
    assert file_server.requests == []
    monkeypatch.delenv('MIMAE_OFFLINE')
    path = download(url)
    monkeypatch.setenv('MIMAE_OFFLINE', '1')
    assert download(url) == path
    assert len(file_server.requests) == 1


@pytest.mark.filterwarnings('ignore:.*carries no hash')
@pytest.mark.parametrize('hashed', [True, False])
def test_a_cached_file_that_changed_is_refused(file_server, zoo_cache, hashed):
    name = NAME if hashed else 'plain.pth'
    file_server.files[name] = DATA
    path = download(file_server.url + name)
    with open(path, 'r+b') as f:
        f.write(b'tampered')
    with pytest.raises(HashMismatchError, match=path):
        download(file_server.url + name)
    assert len(file_server.transfers(name)) == 1  # refused, not re-fetched


def test_a_url_without_a_hash_is_kept_with_its_sha256(file_server, zoo_cache):
    file_server.files['plain.pth'] = DATA
    # The user is told how to pin it.
    with pytest.warns(UserWarning, match=f'#sha256={SHA256}'):
        path = download(file_server.url + 'plain.pth')
    with open(path + '.sha256') as f:
        assert f.read().strip() == SHA256


def test_no_network_is_reported_and_nothing_is_cached(free_port, zoo_cache):
    # Nothing listens on the port: every attempt is refused.
    with pytest.raises(DownloadError, match='failed after 2 attempts'):
        download(f'http://127.0.0.1:{free_port}/{NAME}', retries=1)
    assert cache_files(zoo_cache) == []
