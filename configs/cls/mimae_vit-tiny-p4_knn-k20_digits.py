# Weighted k-NN on frozen features (DINO / MMSelfSup protocol: k=20,
# T=0.07, L2-normalised features) for the tiny backbone of `make demo`, on
# the digits: every train image is a prototype, val is scored. Evaluation
# only, no training:
#   tools/test.py configs/cls/mimae_vit-tiny-p4_knn-k20_digits.py \
#       --cfg-options model.image_encoder.init_cfg.checkpoint=CKPT
# The feature is the mean of the patch tokens after the pre-trained final
# norm (the MI heads' pooling), standardised by a parameter-free LayerNorm.
_base_ = [
    './_base_/models/vit-tiny-p4_digits.py',
    './_base_/datasets/digits_bs64.py', 'mmpretrain::_base_/default_runtime.py'
]

# Evaluation only: no training or validation loop.
train_dataloader = val_dataloader = val_evaluator = None
# The queries: the val split, read as in testing, once (the suites read it
# in the main process: num_workers=0).
test_dataloader = dict(batch_size=256, persistent_workers=False)
model = dict(
    _delete_=True,
    type='WeightedKNNClassifier',
    image_encoder=dict(
        _base_.model.backbone, out_type='avg_featmap', final_norm=True),
    # The prototypes: every training image, read as the queries are.
    prototype=dict(
        _base_.test_dataloader,
        batch_size=256,
        persistent_workers=False,
        dataset=dict(_base_.test_dataloader.dataset, split='train')),
    num_classes=10,
    k=20,
    temperature=0.07)
test_cfg = dict()
