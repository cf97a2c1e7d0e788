"""What MI-MAE reconstructs from each of its K orthogonal masked views.

:func:`reconstruct` runs the model on images and returns, per view, the
masked input and the reconstruction with the visible patches pasted back
(as MAE's demo shows them), plus one picture pieced together from the views'
predictions only: since the K views' visible sets are disjoint, every patch
is predicted by the views that did not see it (K - 1 of them when the K
views cover the image, as with K=4 at ratio 0.75), and their mean gives a
whole image none of whose patches the predicting view had seen.
:func:`draw_reconstruction` tiles these with MMPretrain's visualizer.
"""
from typing import Dict, List

import numpy as np
import torch


@torch.no_grad()
def reconstruct(model, inputs: torch.Tensor) -> Dict[str, torch.Tensor]:
    """K masked views of each image and what the model makes of them.

    Args:
        model (MIMAE): A pre-training model (its backbone, neck and head).
        inputs (torch.Tensor): Normalised images, B x 3 x H x W.

    Returns:
        Dict[str, torch.Tensor]: in the normalised pixel space of
        ``inputs``:

        - ``masked``: K x B x 3 x H x W, each view's visible patches (0,
          the dataset's mean colour, elsewhere);
        - ``pasted``: K x B x 3 x H x W, each view's reconstruction of the
          removed patches with its visible patches pasted back;
        - ``pieced``: B x 3 x H x W, each patch the mean of the predictions
          of the views that did not see it;
        - ``mask``: K x B x L, 1 where the view removed the patch.
    """
    backbone, head = model.backbone, model.head
    num_masks, batch = backbone.num_masks, inputs.shape[0]
    latent, mask, ids_restore, _ = backbone(inputs)
    pred = model.neck(latent, ids_restore).unflatten(0, (num_masks, batch))
    patches = head.patchify(inputs)  # B x L x D
    if head.norm_pix:
        # The model predicts each patch normalised by its own statistics;
        # undo that with the true patch's (as MAE's visualisation does).
        mean = patches.mean(dim=-1, keepdim=True)
        var = patches.var(dim=-1, keepdim=True)
        pred = pred * (var + 1.e-6)**.5 + mean
    mask = mask.unflatten(0, (num_masks, batch))  # K x B x L
    removed = mask.unsqueeze(-1)
    masked = patches * (1 - removed)
    pasted = pred * removed + patches * (1 - removed)
    # A patch that no view saw (K * n_vis < L) is predicted by all K.
    pieced = (pred * removed).sum(0) / removed.sum(0).clamp(min=1)

    def image(x: torch.Tensor) -> torch.Tensor:
        return head.unpatchify(x.flatten(0, -3)).view(*x.shape[:-2],
                                                      *inputs.shape[1:])

    return dict(
        masked=image(masked),
        pasted=image(pasted),
        pieced=image(pieced),
        mask=mask)


def to_rgb_uint8(images: torch.Tensor, mean: torch.Tensor,
                 std: torch.Tensor) -> np.ndarray:
    """Normalised ... x 3 x H x W images to ... x H x W x 3 uint8 RGB."""
    pixels = images * std.view(3, 1, 1) + mean.view(3, 1, 1)
    pixels = pixels.clamp(0, 255).round().to(torch.uint8)
    return pixels.movedim(-3, -1).cpu().numpy()


def draw_reconstruction(original: np.ndarray,
                        views: Dict[str, np.ndarray],
                        scale: int = 4,
                        gap: int = 4) -> np.ndarray:
    """Tile one image's pictures with labels, as an RGB array.

    Top row: the image and its K masked views; bottom row: the pieced
    picture and the K reconstructions.

    Args:
        original (np.ndarray): H x W x 3 uint8 RGB.
        views (dict): ``masked`` and ``pasted`` (K x H x W x 3) and
            ``pieced`` (H x W x 3), uint8 RGB (see :func:`to_rgb_uint8`).
        scale (int): Nearest-neighbour upscaling of each tile.
        gap (int): Pixels between tiles.
    """
    import mmcv
    from mmpretrain.visualization import UniversalVisualizer
    num_masks = len(views['masked'])
    rows: List[List[np.ndarray]] = [
        [original, *views['masked']],
        [views['pieced'], *views['pasted']],
    ]
    labels = [['image'] + [f'view {k + 1}' for k in range(num_masks)],
              ['pieced'] + [f'recon {k + 1}' for k in range(num_masks)]]
    height, width = original.shape[0] * scale, original.shape[1] * scale
    label_h = 14
    canvas = np.full((2 * (height + label_h + gap) + gap,
                      (num_masks + 1) * (width + gap) + gap, 3),
                     255,
                     dtype=np.uint8)
    positions, texts = [], []
    for r, row in enumerate(rows):
        for c, tile in enumerate(row):
            y = gap + r * (height + label_h + gap) + label_h
            x = gap + c * (width + gap)
            canvas[y:y + height, x:x + width] = mmcv.imresize(
                tile, (width, height), interpolation='nearest')
            positions.append([x, y - label_h])
            texts.append(labels[r][c])
    visualizer = UniversalVisualizer()
    visualizer.set_image(canvas)
    visualizer.draw_texts(
        texts, np.array(positions), colors='black', font_sizes=9)
    return visualizer.get_image()
