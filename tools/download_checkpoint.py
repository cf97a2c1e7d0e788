"""Download a checkpoint of the model index (or any URL) into the cache.

    python tools/download_checkpoint.py mae_pretrain_vit_base
    python tools/download_checkpoint.py 'https://host/file.pth#sha256=...'
    python tools/download_checkpoint.py --list            # every name
    python tools/download_checkpoint.py --list 'mae_*'

The file is hash-checked (see mimae.zoo.download) and kept in
$MIMAE_CACHE_DIR (default: <torch hub dir>/mimae); configs then take the
name, the URL or the printed path as ``init_cfg.checkpoint``.
"""
import argparse
import sys

from mimae.zoo import (DownloadError, cache_dir, find_model, list_models,
                       resolve)
from mimae.zoo.download import file_hash


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'checkpoint', nargs='?', help='a model name of the index, or a URL')
    parser.add_argument(
        '--list',
        nargs='?',
        const='*',
        metavar='PATTERN',
        help="list the index's names (matching PATTERN), each marked with "
        "whether it has published weights")
    args = parser.parse_args(argv)
    if args.list:
        names = list_models(args.list)
        width = max(map(len, names), default=0)
        for name in names:
            weights = 'weights' if find_model(name).weights else '-'
            print(f'{name:<{width}}  {weights}')
        return 0
    if not args.checkpoint:
        parser.error('give a model name or URL (or --list PATTERN)')
    try:
        path = resolve(args.checkpoint)
    except (DownloadError, KeyError, FileNotFoundError, ValueError) as error:
        message = error.args[0] if isinstance(error, KeyError) else error
        print(f"error: {message}", file=sys.stderr)
        return 1
    print(f'{path}\nsha256 {file_hash(path)} (cache: {cache_dir()})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
