# Fine-tuning with 1% of the ImageNet-1K labels: the full fine-tuning
# protocol on SimCLR's 1% subset (12,811 images). Write the subset's
# annotation file once with
#   python tools/dataset_converters/imagenet_subset.py data/imagenet 1percent.txt
# (1percent.txt: SimCLR's list, one file name per line).
_base_ = './mimae_vit-base-p16_8xb128-coslr-100e_in1k.py'

train_dataloader = dict(dataset=dict(ann_file='meta/train_1percent.txt'))
