# MAE baseline: the MI-MAE Mask R-CNN config with MMPretrain MAE's
# pre-trained backbone (same keys, so the same backbone class loads it).
_base_ = './mimae_vit-base-p16_mask-rcnn_simplefpn_16xb4-lsj-100e_coco.py'

model = dict(
    backbone=dict(
        init_cfg=dict(
            checkpoint=
            'work_dirs/mae_vit-base-p16_8xb512-amp-coslr-400e_in1k/epoch_400.pth'
        )))
