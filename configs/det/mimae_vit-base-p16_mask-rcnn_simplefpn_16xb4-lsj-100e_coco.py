# COCO Mask R-CNN with the MI-MAE ViT-B/16 backbone: mmdet's ViTDet protocol
# (projects/ViTDet, not in the mmdet wheel): window attention (14) with
# global blocks 2/5/8/11 and decomposed relative position at 1024 px,
# SimpleFPN with channel-first LayerNorm, 4conv1fc box head and mask head
# with LN, large-scale jitter (0.1-2.0) to 1024 px, AdamW lr 1e-4 wd 0.1,
# layer decay 0.7, batch 64 (16 GPUs x 4), 184,375 iterations (100 epochs),
# AMP. The pre-training backbone is loaded directly. This file holds the
# model; the data and schedule are in
# ./_base_/vitdet_lsj-100e_coco-instance.py.
# Differences from ViTDet's file: its Fp16 gradient-compression DDP hook is
# a project-only class (not in the wheel) and is left out; LayerNorm eps is
# 1e-6 (MAE's) where its config passed 1e-5; weight decay 0 on every '.ln'
# and pos_embed (ViTDet: backbone norms and pos_embed).
_base_ = [
    'mmdet::_base_/models/mask-rcnn_r50_fpn.py',
    './_base_/vitdet_lsj-100e_coco-instance.py',
]

# mimae.models.necks (SimpleFPN) is the one mimae module that needs mmdet.
custom_imports = dict(
    imports=['mimae', 'mimae.models.necks'], allow_failed_imports=False)
# mmengine's Pretrained init loads leniently; this refuses a checkpoint
# whose keys do not match the backbone, listing them.
custom_hooks = [dict(type='StrictPretrainedHook')]

image_size = (1024, 1024)
norm_cfg = dict(type='mmpretrain.LN2d', eps=1e-6)

model = dict(
    data_preprocessor=dict(
        pad_size_divisor=32,
        batch_augments=[
            dict(type='BatchFixedSizePad', size=image_size, pad_mask=True)
        ]),
    backbone=dict(
        _delete_=True,
        type='mmpretrain.ViTDet',
        arch='b',
        img_size=image_size[0],
        patch_size=16,
        drop_path_rate=0.1,
        window_size=14,
        global_attn_indexes=[2, 5, 8, 11],
        use_rel_pos=True,
        out_type='featmap',
        final_norm=False,
        init_cfg=dict(
            type='Pretrained',
            # The pre-training checkpoint (keys 'backbone.*'); another one:
            # --cfg-options model.backbone.init_cfg.checkpoint=PATH
            checkpoint=
            'work_dirs/mimae_vit-base-p16_8xb128-amp-coslr-400e_in1k/epoch_400.pth',
            prefix='backbone.')),
    neck=dict(
        _delete_=True,
        type='SimpleFPN',
        backbone_channel=768,
        in_channels=[192, 384, 768, 768],
        out_channels=256,
        num_outs=5,
        norm_cfg=norm_cfg),
    rpn_head=dict(num_convs=2),
    roi_head=dict(
        bbox_head=dict(
            type='Shared4Conv1FCBBoxHead',
            conv_out_channels=256,
            norm_cfg=norm_cfg),
        mask_head=dict(norm_cfg=norm_cfg)))
