# MI-MAE ViT-B/16, 400 epochs on ImageNet-1K: MMPretrain's MAE 400-epoch
# config (the official MAE recipe: data, AdamW, schedule, AMP, runtime) with
# the MI-MAE model (docs/design.md section 2), 128 images per GPU and 4
# accumulation steps.
#
# Batch: the effective batch is 4096 *images* (16384 masked views), as in
# MAE: 8 GPUs x 128 images x 4 accumulation steps. Why 128 per GPU: with K=4
# each image becomes 4 views, and every view costs what one MAE image costs
# (49 visible tokens in the encoder, 197 tokens in the decoder), so 128
# images x 4 views hold the activations of MMPretrain's MAE at 512 images per
# GPU, the batch its ViT-B config runs on 80 GB GPUs with AMP. Not yet
# measured on a GPU: before a long run, measure the step's time and memory at
# this batch with tools/analysis_tools/benchmark_pretrain.py CONFIG and lower
# batch_size (raising accumulative_counts to keep 4096) if it does not fit.
_base_ = 'mmpretrain::mae/mae_vit-base-p16_8xb512-amp-coslr-400e_in1k.py'

custom_imports = dict(imports=['mimae'], allow_failed_imports=False)

model = dict(
    type='MIMAE',
    backbone=dict(type='MIMAEViT', num_masks=4, mask_ratio=0.75),
    # Pooled latent of each view fed to both MI heads: mean of the visible
    # tokens' latents (docs/design.md decision; 'cls' is the alternative).
    feature='mean',
    # lambda_max = lambda_min = 0.1: the highest score of the sweep
    # configs/benchmark/sweep_mi-weights_mnist.py (tiny ViT, MNIST's sweep
    # split, 32 views, 3 seeds; the rule and grid are in its header, the
    # table in docs/results/sweep_mi-weights_mnist.md). Not significantly
    # above 1.0 / 1.0 there, and every pair below MAE at equal views (README,
    # "Choosing the MI weights"). At 1.0, InfoNCE's encoder gradient is about
    # 30x reconstruction's (docs/results/sweep_mi-weights_mnist_gradients.md,
    # with the command that measured it).
    mi_max_head=dict(
        type='MaxMIHead',
        hid_channels=2048,
        out_channels=256,
        temperature=0.07,
        loss=dict(type='CrossEntropyLoss', loss_weight=0.1),
        # The projector's BN over the global batch, as in MoCo v3: InfoNCE
        # gathers its keys from every process, so per-process BN would let
        # a query and its positive share batch statistics that the other
        # processes' negatives lack (a shortcut). One process: the Runner
        # reverts SyncBN to plain BN; CPU processes over gloo: mimae.compat
        # (sync_bn_cpu) synchronises it there too.
        norm_cfg=dict(type='SyncBN')),
    mi_min_head=dict(
        type='MinMIHead', hid_channels=512, negatives='masks',
        loss_weight=0.1))

# mmengine smooths only keys matching mean_pattern and logs the others'
# current value; smooth the MI diagnostics like the losses they explain.
log_processor = dict(
    window_size=10, mean_pattern=r'.*(loss|time|data_time|grad_norm|mi_).*')

# Long runs (README, "Faults"):
# - exact resume: a run killed anywhere and resumed with --resume continues
#   with the same masks and augmentations (ExactResumeHook; bitwise equal on
#   CPU with randomness.deterministic=True). A kill loses the iterations
#   since the last checkpoint; to save every N iterations: --cfg-options
#   default_hooks.checkpoint.by_epoch=False default_hooks.checkpoint.interval=N
# - a file that cannot be decoded fails naming the file and sample; to skip
#   such files instead (logged, counted, replaced by another sample, the run
#   stops above 0.1% of the dataset): --cfg-options custom_hooks.1.skip=True
train_dataloader = dict(
    batch_size=128,
    sampler=dict(type='ResumableSampler'),
    dataset=dict(pipeline=[
        dict(type='SeedSample'),
        dict(type='LoadImageFromFileChecked'), *_base_.train_pipeline[1:]
    ]))
# - a NaN or infinite loss stops the run at that iteration, naming the loss
#   and the last checkpoint; weights that are not finite are never saved.
custom_hooks = [
    dict(type='ExactResumeHook'),
    dict(type='BadImageHook'),
    dict(type='FiniteTrainingHook')
]
# GPU path (README, "Performance"):
# - AMP in bf16 where the GPU has it (fp16 with loss scaling where not, fp32
#   without a GPU), and AdamW's fused kernel;
# - attention runs through torch's scaled_dot_product_attention, as in
#   MMPretrain's ViT (tests/test_configs_gpu_path.py);
# - torch.compile is opt-in: compile = True, or a dict of torch.compile's
#   arguments, e.g. --cfg-options compile.mode=max-autotune
optim_wrapper = dict(
    type='AutoAmpOptimWrapper',
    optimizer=dict(fused=True),
    accumulative_counts=4)
compile = False

# mmengine scales by (GPUs x batch_size) / base_batch_size and does not count
# gradient accumulation, so the base is the per-step batch of this config
# (8 x 128); the accumulation keeps the effective batch at 4096 images.
auto_scale_lr = dict(base_batch_size=1024)
