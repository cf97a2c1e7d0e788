"""How well frozen backbone features name a digit inside a scene.

    python tools/analysis_tools/probe_digit_features.py CKPT|none

For each scene setting (canvas size, digits per scene, digit size, photo
brightness; :func:`mimae.dataset_builders.make_scene`), 300 train-split and
100 val-split scenes are encoded by the tiny ViT of the mini-benchmark
(MMPretrain's ``VisionTransformer``, last layer, loaded from ``CKPT`` or
randomly initialised, seed 0); each digit's tokens are averaged and a logistic
regression fitted on the train scenes names the val digits. Prints the
accuracy per setting. This is how the digit-scene tasks were sized.
"""
import argparse

import numpy as np
import torch
from mmpretrain.registry import MODELS

import mimae  # noqa: F401  (compat fixes, registration)
from mimae.dataset_builders import make_scene
from mimae.dataset_builders.digits import digits_split

SETTINGS = [  # (canvas, digits per scene, digit side, photo brightness)
    (32, (1, 1), (32, 32), 0.0),
    (64, (1, 1), (32, 32), 0.0),
    (64, (2, 4), (24, 32), 0.0),
    (64, (2, 4), (24, 32), 0.25),
    (32, (1, 2), (16, 28), 0.25),
]
MEAN = np.array([123.675, 116.28, 103.53])
STD = np.array([58.395, 57.12, 57.375])


def probe(checkpoint, size, num_digits, digit_size, brightness):
    from sklearn.datasets import load_digits, load_sample_images
    from sklearn.linear_model import LogisticRegression
    init = None if checkpoint == 'none' else dict(
        type='Pretrained', checkpoint=checkpoint, prefix='backbone.')
    torch.manual_seed(0)  # the same random init for every setting
    net = MODELS.build(
        dict(
            type='VisionTransformer',
            arch=dict(
                embed_dims=64,
                num_layers=4,
                num_heads=4,
                feedforward_channels=256),
            img_size=size,
            patch_size=4,
            out_type='featmap',
            final_norm=False,
            init_cfg=init))
    net.init_weights()
    net.eval()
    photos, digits = load_sample_images().images, load_digits()
    feats = {}
    for split, num in (('train', 300), ('val', 100)):
        idx = digits_split()[split]
        rng = np.random.default_rng(0)
        X, y = [], []
        for _ in range(num):
            img, objects = make_scene(rng, photos, digits.images[idx],
                                      digits.target[idx], (size, size),
                                      num_digits, digit_size, brightness)
            x = torch.from_numpy((img - MEAN) / STD).permute(2, 0, 1)
            with torch.no_grad():
                tokens = net(x[None].float())[-1][0].flatten(1).T.numpy()
            grid = size // 4
            for digit, mask in objects:
                on = mask.reshape(grid, 4, grid, 4).any((1, 3)).reshape(-1)
                X.append(tokens[on].mean(0))
                y.append(digit)
        feats[split] = np.array(X), np.array(y)
    clf = LogisticRegression(max_iter=500).fit(*feats['train'])
    return (clf.predict(feats['val'][0]) == feats['val'][1]).mean()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint', help="pre-training checkpoint or 'none'")
    args = parser.parse_args()
    print('| canvas | digits | digit size | brightness | accuracy |')
    print('| --- | --- | --- | --- | --- |')
    for setting in SETTINGS:
        acc = probe(args.checkpoint, *setting)
        print(
            '| {} | {} | {} | {} | {:.3f} |'.format(*setting, acc), flush=True)


if __name__ == '__main__':
    main()
