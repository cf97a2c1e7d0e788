"""Draw what an MI-MAE checkpoint reconstructs from each of its K views.

    tools/visualization/visualize_reconstruction.py CKPT IMAGE --out PNG \
        [--config CONFIG] [--seed S] [--scale N]

Top row: the image (resized to the model's input) and its K orthogonal
masked views; bottom row: the picture pieced together from the views'
predictions of the patches they did not see, then each view's
reconstruction with its visible patches pasted back. The config defaults to
the one saved in the checkpoint (mmengine keeps it in ``meta['cfg']``). See
mimae/visualization/reconstruction.py.
"""
import argparse

import mmcv
import torch
from mmengine.config import Config
from mmpretrain.apis import get_model

import mimae  # noqa: F401  (first: patches the stack, registers modules)
from mimae.datasets import LoadImageFromFileChecked
from mimae.visualization.reconstruction import (draw_reconstruction,
                                                reconstruct, to_rgb_uint8)
from mimae.zoo.safe_load import safe_torch_load


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint', help='pre-training checkpoint (.pth)')
    parser.add_argument('image', help='an image file')
    parser.add_argument('--out', required=True, help='PNG to write')
    parser.add_argument(
        '--config', help='pre-training config (default: the checkpoint\'s)')
    parser.add_argument(
        '--seed', type=int, default=0, help='seed of the mask draw')
    parser.add_argument(
        '--scale', type=int, default=4, help='tile upscaling (nearest)')
    args = parser.parse_args(argv)

    checkpoint = safe_torch_load(args.checkpoint, map_location='cpu')
    if args.config:
        cfg = Config.fromfile(args.config)
    elif 'cfg' in checkpoint.get('meta', {}):
        cfg = Config.fromstring(checkpoint['meta']['cfg'], '.py')
    else:
        parser.error(f'{args.checkpoint} holds no config; pass --config')
    if cfg.model.type not in ('MAE', 'MIMAE'):
        # A classifier, detector or segmentor: it reconstructs nothing.
        parser.error(f'{args.checkpoint} holds a model of type '
                     f'{cfg.model.type}, not MAE or MIMAE: give a '
                     'pre-training checkpoint (or its --config)')
    # With the top-level preprocessor, as the Runner builds it.
    model = get_model(cfg)
    model.load_state_dict(checkpoint['state_dict'])
    model.eval()

    # BGR, loaded (and a bad file named) as the pipelines do.
    image = LoadImageFromFileChecked()(dict(img_path=args.image))['img']
    height, width = model.backbone.patch_resolution
    size = (width * model.head.patch_size, height * model.head.patch_size)
    image = mmcv.imresize(image, size, interpolation='bicubic')
    preprocessor = model.data_preprocessor
    batch = preprocessor(
        dict(
            inputs=torch.from_numpy(image).permute(2, 0, 1)[None],
            data_samples=None), False)
    torch.manual_seed(args.seed)
    pictures = reconstruct(model, batch['inputs'])
    mean, std = preprocessor.mean, preprocessor.std
    views = {
        key: to_rgb_uint8(pictures[key][:, 0], mean, std)
        for key in ('masked', 'pasted')
    }
    views['pieced'] = to_rgb_uint8(pictures['pieced'][0], mean, std)
    original = to_rgb_uint8(batch['inputs'][0], mean, std)
    drawn = draw_reconstruction(original, views, scale=args.scale)
    mmcv.imwrite(drawn[..., ::-1], args.out)
    print(f'{args.out}: {drawn.shape[1]} x {drawn.shape[0]}, '
          f'{len(views["masked"])} views')


if __name__ == '__main__':
    main()
