# The paper's comparison at full scale: MMPretrain's MAE ViT-B/16 for 1600
# epochs against MI-MAE for 400 epochs with 4 masks per image (as many masked
# views), then k-NN, linear probe, fine-tuning and 1%-label fine-tuning on
# ImageNet-1K, Mask R-CNN on COCO and UperNet on ADE20K, one 8-GPU job per
# cell (Mask R-CNN keeps ViTDet's batch of 64 as 8 GPUs x 8 images; with
# slurm it can be gpus=16 and its own batch of 4):
#   tools/benchmark.py configs/benchmark/in1k_vit-base.py --dry-run
#   tools/benchmark.py configs/benchmark/in1k_vit-base.py      # 8 GPUs here
#   tools/benchmark.py configs/benchmark/in1k_vit-base.py \
#       --cfg-options launcher.type=slurm launcher.partition=PARTITION
# Data in the standard layouts under data/imagenet, data/coco and
# data/ade/ADEChallengeData2016 (see README). A checkpoint trained elsewhere
# is evaluated with --checkpoints mi-mae=PATH. Random init is the floor
# every column is checked against; the check needs 3 seeds
# (--cfg-options seeds=[0,1,2]), one seed shows values only.
work_dir = 'work_dirs/benchmark/in1k_vit-base'
seeds = [0]
reference_arm = 'mae'
launcher = dict(type='pytorch', gpus=8)

arms = [
    # No pre-training: every task from a randomly initialised ViT-B.
    dict(name='random'),
    dict(
        name='mae',
        config=
        'configs/pretrain/mae_vit-base-p16_8xb512-amp-coslr-1600e_in1k.py'),
    dict(
        name='mi-mae',
        config=
        'configs/pretrain/mimae_vit-base-p16_8xb128-amp-coslr-400e_in1k.py'),
]
tasks = [
    dict(
        name='knn',
        mode='test',
        metric='accuracy/top1',
        config='configs/cls/mimae_vit-base-p16_knn-k20_in1k.py',
        init_cfg_key='model.image_encoder.init_cfg'),
    dict(
        name='linear',
        metric='accuracy/top1',
        config='configs/cls/mimae_vit-base-p16_8xb2048-linear-coslr-90e_in1k.py'
    ),
    dict(
        name='finetune',
        metric='accuracy/top1',
        config='configs/cls/mimae_vit-base-p16_8xb128-coslr-100e_in1k.py'),
    dict(
        name='finetune-1pct',
        metric='accuracy/top1',
        config='configs/cls/mimae_vit-base-p16_8xb128-coslr-100e_in1k-1pct.py'
    ),
    dict(
        name='det',
        metric='coco/bbox_mAP',
        config=
        'configs/det/mimae_vit-base-p16_mask-rcnn_simplefpn_16xb4-lsj-100e_coco.py',
        cfg_options={'train_dataloader.batch_size': 8}),
    dict(
        name='seg',
        metric='mIoU',
        config=
        'configs/seg/mimae_vit-base-p16_upernet_8xb2-amp-160k_ade20k-512x512.py'
    ),
]
