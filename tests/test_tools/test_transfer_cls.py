"""Pre-training checkpoint -> ImageNet-style classification, through the
project's tools, on the digits in the ImageNet layout."""
import glob
import os
import os.path as osp
import sys

import pytest
from tests_support import REPO_ROOT, run_tool

TINY_CLS = 'configs/cls/mimae_vit-tiny-p4_1xb64-coslr-10e_digits.py'


def data_options(digits_root, indices=64):
    opts = []
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        opts += [
            f'{loader}.dataset.data_root={digits_root}',
            f'{loader}.dataset.indices={indices}', f'{loader}.num_workers=0',
            f'{loader}.persistent_workers=False'
        ]
    return opts


@pytest.fixture(scope='module')
def finetuned(digits_root, pretrain_checkpoint, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('cls')
    ckpt, backbone = pretrain_checkpoint
    work_dir = str(tmp / 'work')
    result = run_tool([
        'tools/train.py', TINY_CLS, '--work-dir', work_dir, '--cfg-options',
        f'model.backbone.init_cfg.checkpoint={ckpt}', 'train_cfg.max_epochs=1'
    ] + data_options(digits_root))
    return work_dir, result, backbone, ckpt


def test_one_iteration_and_validation_from_the_pretraining_checkpoint(
        finetuned):
    work_dir, result, backbone, ckpt = finetuned
    log = open(glob.glob(osp.join(work_dir, '*', '*.log'))[0]).read()
    # Every backbone tensor of the checkpoint loaded; only fc_norm is new,
    # and the final norm that fine-tuning drops is reported as unused.
    # ...from the checkpoint given on the command line
    # (model.backbone.init_cfg.checkpoint=...), checked by the hook.
    loaded = len(backbone) - 2
    assert f'backbone: all {loaded} tensors loaded from {ckpt}' in log
    assert "initialised explicitly: ['ln2.bias', 'ln2.weight']" in log
    assert "unused: ['ln1.bias', 'ln1.weight']" in log
    assert 'Epoch(train) [1][1/1]' in log
    assert 'accuracy/top1' in log
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))


def test_tools_test_reports_accuracy(finetuned, digits_root, tmp_path):
    work_dir = finetuned[0]
    result = run_tool([
        'tools/test.py', TINY_CLS,
        osp.join(work_dir, 'epoch_1.pth'), '--work-dir',
        str(tmp_path), '--out',
        str(tmp_path / 'preds.pkl'), '--cfg-options'
    ] + data_options(digits_root))
    assert 'Metrics: accuracy/top1=' in result.stdout
    assert os.path.getsize(tmp_path / 'preds.pkl') > 0


def test_one_percent_subset_file(digits_root, tmp_path):
    sys.path.insert(0, osp.join(REPO_ROOT, 'tools', 'dataset_converters'))
    from imagenet_subset import write_subset
    from mmpretrain.datasets import ImageNet
    names = ['digit_3_0003.JPEG', 'digit_7_0007.JPEG']
    listed = tmp_path / '1percent.txt'
    listed.write_text('\n'.join(names) + '\n')
    out = write_subset(digits_root, str(listed))
    assert out.endswith(osp.join('meta', 'train_1percent.txt'))
    dataset = ImageNet(
        data_root=digits_root,
        split='train',
        ann_file='meta/train_1percent.txt',
        metainfo=dict(classes=[f'digit_{i}' for i in range(10)]))
    assert len(dataset) == 2
    assert sorted(dataset.get_gt_labels().tolist()) == [3, 7]
    os.remove(out)
    listed.write_text('digit_3_9999.JPEG\n')
    with pytest.raises(FileNotFoundError, match='digit_3/digit_3_9999'):
        write_subset(digits_root, str(listed))


def test_evaluation_needs_only_the_test_data(finetuned, digits_root):
    result = run_tool([
        'tools/test.py', TINY_CLS,
        osp.join(finetuned[0], 'epoch_1.pth'), '--cfg-options',
        f'test_dataloader.dataset.data_root={digits_root}',
        'test_dataloader.dataset.indices=16', 'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        'train_dataloader.dataset.data_root=/no/such/dir'
    ])
    assert 'Metrics: accuracy/top1=' in result.stdout
