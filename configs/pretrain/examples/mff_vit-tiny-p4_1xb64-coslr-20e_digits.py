# Another MIM method as a benchmark-suite arm (docs/adding_a_method.md):
# MMPretrain's MFF (Liu et al., "Improving Pixel-based MIM by Reducing Wasted
# Modeling Capability", ICCV 2023: MAE whose decoder reads a learned mix of
# several encoder layers) on the tiny ViT and data of the MI-MAE demo config,
# so only the algorithm differs. One mask per image: under the suite's
# equal-views rule it runs as many epochs as the MAE arm.
#   tools/train.py configs/pretrain/examples/mff_vit-tiny-p4_1xb64-coslr-20e_digits.py
_base_ = '../mimae_vit-tiny-p4_1xb64-coslr-20e_digits.py'

model = dict(
    _delete_=True,
    type='MFF',
    backbone=dict(
        type='MFFViT',
        arch={{_base_.model.backbone.arch}},
        img_size=32,
        patch_size=4,
        mask_ratio=0.75,
        # MFF's ViT-B fuses layers 0, 2, 4, 6, 8 and 11 of 12; this is the
        # same spread over 4 layers.
        out_indices=[0, 1, 2, 3]),
    neck={{_base_.model.neck}},
    head={{_base_.model.head}})
