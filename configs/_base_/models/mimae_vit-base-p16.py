# MI-MAE ViT-B/16: MMPretrain's MAE ViT-B/16 model with K=4 orthogonal masks
# and the two MI heads (DESIGN.md section 2).
_base_ = 'mmpretrain::_base_/models/mae_vit-base-p16.py'

custom_imports = dict(imports=['mimae'], allow_failed_imports=False)

model = dict(
    type='MIMAE',
    backbone=dict(type='MIMAEViT', num_masks=4, mask_ratio=0.75),
    # Pooled latent of each view fed to both MI heads: mean of the visible
    # tokens' latents (DESIGN.md decision; 'cls' is the alternative).
    feature='mean',
    # lambda_max / lambda_min are provisional (0.1 each) until the
    # mini-benchmark (DESIGN.md section 5) chooses them.
    mi_max_head=dict(
        type='MaxMIHead',
        hid_channels=2048,
        out_channels=256,
        temperature=0.07,
        loss_weight=0.1),
    mi_min_head=dict(
        type='MinMIHead', hid_channels=512, negatives='masks',
        loss_weight=0.1))

# mmengine smooths only keys matching mean_pattern and logs the others'
# current value; smooth the MI diagnostics like the losses they explain.
log_processor = dict(
    window_size=10, mean_pattern=r'.*(loss|time|data_time|grad_norm|mi_).*')
