"""Export the ViT backbone of one of this project's checkpoints to timm.

    python tools/model_converters/mimae_to_timm.py \
        work_dirs/mimae_vit-base-p16_8xb128-amp-coslr-400e_in1k/epoch_400.pth \
        mimae_vit_base_patch16.pth

The output ``{'model': ...}`` has timm ``VisionTransformer`` keys (the
format of the official MAE release), e.g. for
``timm.create_model('vit_base_patch16_224', pretrained=True,
pretrained_cfg_overlay=dict(file='mimae_vit_base_patch16.pth'))``.
The decoder and the MI heads are left out and listed.
"""
import argparse
import os
import os.path as osp

import torch

from mimae.checkpoint_keys import mimae_to_timm
from mimae.zoo.safe_load import safe_torch_load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='checkpoint written by tools/train.py')
    parser.add_argument('dst', help='output .pth')
    args = parser.parse_args()
    ckpt = safe_torch_load(args.src, map_location='cpu')
    state, dropped = mimae_to_timm(ckpt.get('state_dict', ckpt))
    os.makedirs(osp.dirname(osp.abspath(args.dst)), exist_ok=True)
    torch.save({'model': state}, args.dst)
    print(f'{len(state)} backbone tensors -> {args.dst}; left out '
          f'{len(dropped)} non-backbone tensors '
          f'({", ".join(sorted({k.split(".")[0] for k in dropped}))})')


if __name__ == '__main__':
    main()
