# ADE20K semantic segmentation with the MI-MAE ViT-B/16 backbone: mmseg's
# MAE UperNet protocol (512 px crops, out indices 3/5/7/11 into a 4/2/1/0.5
# pyramid, UPerHead 768 + FCN aux, AdamW 1e-4 wd 0.05, layer decay 0.65,
# 1500-iter warmup then poly, 8 GPUs x 2 images, 160k iterations, slide test
# with stride 341). The pre-training backbone is loaded directly.
# Differences from mmseg's file: mmseg names AMP but its `fp16` key is not
# read by mmengine, so it trains in fp32; we use AmpOptimWrapper as the name
# says. mmseg's layer-decay rule also decays cls_token; ours does not.
_base_ = 'mmseg::mae/mae-base_upernet_8xb2-amp-160k_ade20k-512x512.py'

custom_imports = dict(imports=['mimae'], allow_failed_imports=False)
# mmengine's Pretrained init loads leniently; this refuses a checkpoint
# whose keys do not match the backbone, listing them.
custom_hooks = [dict(type='StrictPretrainedHook')]

model = dict(
    pretrained=None,
    backbone=dict(
        _delete_=True,
        type='mmpretrain.VisionTransformer',
        arch='b',
        img_size=512,
        patch_size=16,
        out_indices=[3, 5, 7, 11],
        out_type='featmap',
        drop_path_rate=0.1,
        # mmseg's MAE backbone fine-tunes with layer scale initialised to 1.
        layer_scale_init_value=1.0,
        final_norm=False,
        init_cfg=dict(
            type='Pretrained',
            # The pre-training checkpoint (keys 'backbone.*'); another one:
            # --cfg-options model.backbone.init_cfg.checkpoint=PATH
            checkpoint=
            'work_dirs/mimae_vit-base-p16_8xb128-amp-coslr-400e_in1k/epoch_400.pth',
            prefix='backbone.')))

optim_wrapper = dict(
    _delete_=True,
    type='AmpOptimWrapper',  # loss_scale='dynamic' by default
    optimizer=dict(
        type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    constructor='LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.65,
        flat_decay_mult=0.0,
        custom_keys={
            '.pos_embed': dict(decay_mult=0.0),
            '.cls_token': dict(decay_mult=0.0)
        }))
