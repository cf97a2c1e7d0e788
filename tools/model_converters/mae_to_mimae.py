"""Convert an official MAE / timm ViT checkpoint into this project's format.

    python tools/model_converters/mae_to_mimae.py mae_pretrain_vit_base.pth \
        checkpoints/mae_vit-base-p16_mimae.pth

The output (``{'state_dict': {'backbone.*', 'neck.*'}}``) loads where a
pre-training checkpoint of this project does. Since every config now
converts official MAE / timm checkpoints on load (mimae.zoo.loaders), this
is for a one-off copy in our format. The file is read without unpickling
code (mimae.zoo.safe_load); compare the printed sha256 with the published
one.
"""
import argparse
import os
import os.path as osp

import torch

from mimae.checkpoint_keys import mae_to_mimae
from mimae.zoo.download import file_hash
from mimae.zoo.safe_load import safe_torch_load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'src',
        help='MAE/timm checkpoint ({"model": ...} or '
        'a flat state dict)')
    parser.add_argument('dst', help='output .pth')
    args = parser.parse_args()
    digest = file_hash(args.src)
    # Full MAE training checkpoints pickle their argparse arguments: trust
    # such a file with MIMAE_TRUSTED_CHECKPOINTS=PATH.
    ckpt = safe_torch_load(args.src, map_location='cpu')
    state = ckpt.get('model', ckpt.get('state_dict', ckpt))
    converted = mae_to_mimae(state)
    os.makedirs(osp.dirname(osp.abspath(args.dst)), exist_ok=True)
    torch.save(
        dict(
            meta=dict(converted_from=args.src, sha256=digest),
            state_dict=converted), args.dst)
    parts = sorted({k.split('.')[0] for k in converted})
    print(f'{args.src} (sha256 {digest}): {len(converted)} tensors '
          f'({", ".join(parts)}) -> {args.dst}')


if __name__ == '__main__':
    main()
