"""Convert an official MAE / timm ViT checkpoint into this project's format.

    python tools/model_converters/mae_to_mimae.py mae_pretrain_vit_base.pth \
        checkpoints/mae_vit-base-p16_mimae.pth

The output (``{'state_dict': {'backbone.*', 'neck.*'}}``) loads where a
pre-training checkpoint of this project does, e.g. as ``pretrained`` of the
det/seg/cls configs. Downloaded files are read with ``weights_only=True``;
compare the printed sha256 with the published one.
"""
import argparse
import hashlib
import os
import os.path as osp

import torch
from mimae.checkpoint_keys import mae_to_mimae


def sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='MAE/timm checkpoint ({"model": ...} or '
                        'a flat state dict)')
    parser.add_argument('dst', help='output .pth')
    parser.add_argument(
        '--trust', action='store_true',
        help='load with weights_only=False (full MAE training checkpoints '
        'pickle their argparse arguments); only for files you trust')
    args = parser.parse_args()
    digest = sha256(args.src)
    ckpt = torch.load(args.src, map_location='cpu',
                      weights_only=not args.trust)
    state = ckpt.get('model', ckpt.get('state_dict', ckpt))
    converted = mae_to_mimae(state)
    os.makedirs(osp.dirname(osp.abspath(args.dst)), exist_ok=True)
    torch.save(
        dict(meta=dict(converted_from=args.src, sha256=digest),
             state_dict=converted), args.dst)
    parts = sorted({k.split('.')[0] for k in converted})
    print(f'{args.src} (sha256 {digest}): {len(converted)} tensors '
          f'({", ".join(parts)}) -> {args.dst}')


if __name__ == '__main__':
    main()
