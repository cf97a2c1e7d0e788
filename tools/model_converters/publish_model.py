"""Publish a training checkpoint: weights only, named by its hash, with the
model-index row that serves it.

    python tools/model_converters/publish_model.py \
        work_dirs/demo/pretrain/mi-mae/v8/seed0/work/epoch_2.pth \
        mimae_vit-tiny-p4_1xb64-coslr-20e_digits \
        --config configs/pretrain/mimae_vit-tiny-p4_1xb64-coslr-20e_digits.py \
        --base-url https://models.example.org/mimae/ \
        --metafile my-index.yml

As MMPretrain's publish tool: the optimizer, schedulers and message hub are
dropped, ``meta`` is kept, and the file becomes ``<name>_<date>-<sha8>.pth``
(OpenMMLab's convention) in ``--out-dir``. The printed row's ``Weights
Hash`` is the full sha256 (the 8 digits in the name are 32 bits: enough
against corruption, not against tampering). Upload the
file under ``--base-url``, add the row to an index, point
``MIMAE_MODEL_INDEX`` at that index, and every mimae tool and config takes
the name.
"""
import argparse
import datetime
import os
import os.path as osp

import torch
import yaml

from mimae.zoo.download import file_hash
from mimae.zoo.safe_load import safe_torch_load


def publish(src: str,
            name: str,
            out_dir: str,
            base_url: str,
            config: str = None,
            license: str = 'Apache-2.0') -> dict:
    """Write the published file; return its model-index row."""
    checkpoint = safe_torch_load(src, map_location='cpu')
    if 'state_dict' not in checkpoint:
        raise KeyError(f'{src} has no state_dict: not an mmengine checkpoint')
    meta = dict(checkpoint.get('meta') or {})
    published = dict(meta=meta, state_dict=checkpoint['state_dict'])
    os.makedirs(out_dir, exist_ok=True)
    tmp = osp.join(out_dir, f'.{name}.pth.tmp')
    torch.save(published, tmp)
    sha256 = file_hash(tmp)
    date = datetime.date.today().strftime('%Y%m%d')
    filename = f'{name}_{date}-{sha256[:8]}.pth'
    os.replace(tmp, osp.join(out_dir, filename))
    metadata = {'License': license, 'Weights Hash': f'sha256={sha256}'}
    # An epoch-based run records both; its schedule is in epochs.
    if meta.get('epoch'):
        metadata['Epochs'] = int(meta['epoch'])
    elif meta.get('iter'):
        metadata['Iterations'] = int(meta['iter'])
    row = dict(
        Name=name,
        Metadata=metadata,
        Results=None,
        Weights=f'{base_url.rstrip("/")}/{filename}',
        Config=config)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='a checkpoint written by the runner')
    parser.add_argument('name', help='the model name in the index')
    parser.add_argument('--config', help='its config, relative to the index')
    parser.add_argument(
        '--base-url', required=True, help='where the file will be served from')
    parser.add_argument('--out-dir', default='published')
    parser.add_argument('--license', default='Apache-2.0')
    parser.add_argument(
        '--metafile',
        help='append the row to this index file (created if '
        'missing)')
    args = parser.parse_args()
    row = publish(args.src, args.name, args.out_dir, args.base_url,
                  args.config, args.license)
    text = yaml.safe_dump(dict(Models=[row]), sort_keys=False)
    print(text)
    if args.metafile:
        index = {}
        if osp.isfile(args.metafile):
            with open(args.metafile) as f:
                index = yaml.safe_load(f) or {}
        models = [
            m for m in index.get('Models') or [] if m['Name'] != args.name
        ]
        index['Models'] = models + [row]
        with open(args.metafile, 'w') as f:
            yaml.safe_dump(index, f, sort_keys=False)
        print(f'row written to {args.metafile}')


if __name__ == '__main__':
    main()
