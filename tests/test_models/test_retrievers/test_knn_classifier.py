"""Weighted k-NN on frozen features: prototypes, the vote, predictions."""
import pytest
import torch
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS

ARCH = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)


def knn_cfg(digits_root, k=5, drop_last=False):
    return dict(
        type='WeightedKNNClassifier',
        image_encoder=[
            dict(
                type='VisionTransformer',
                arch=ARCH,
                img_size=32,
                patch_size=8,
                out_type='avg_featmap')
        ],
        prototype=dict(
            batch_size=100,
            num_workers=0,
            drop_last=drop_last,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(
                type='ImageNet',
                data_root=digits_root,
                split='train',
                ann_file='meta/train_10percent.txt',
                metainfo=dict(classes=[f'd{i}' for i in range(10)]),
                pipeline=[
                    dict(type='LoadImageFromFile'),
                    dict(type='PackInputs')
                ])),
        num_classes=10,
        k=k,
        temperature=0.1,
        data_preprocessor=dict(
            num_classes=10, mean=[127.5] * 3, std=[127.5] * 3, to_rgb=True))


@pytest.fixture(autouse=True)
def mmpretrain_scope():
    # The runner sets the scope in which the prototype loader is built.
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        yield


def test_vote_is_the_weighted_sum_over_the_k_nearest():
    model = MODELS.build(knn_cfg('unused', k=3))
    model.num_classes = 3
    model.register_buffer('prototype_labels', torch.tensor([0, 1, 1, 2, 0]))
    model.register_buffer('prototype_vecs', torch.eye(5))
    query = torch.tensor([[0.9, 0.1, 0.3, 0.0, 0.2]])
    sim, idx = model.matching(query)
    assert idx.tolist() == [[0, 2, 4]]
    scores = model.vote(sim, idx)
    w = torch.exp(torch.tensor([0.9, 0.3, 0.2]) / 0.1)
    expected = torch.tensor([w[0] + w[2], w[1], 0.]) / w.sum()
    torch.testing.assert_close(scores[0], expected)


def test_prototypes_and_predictions_on_real_images(digits_root):
    model = MODELS.build(knn_cfg(digits_root))
    model.prepare_prototype()
    loader_ds = model.prototype['dataset']
    with open(f"{digits_root}/{loader_ds['ann_file']}") as f:
        labels = [int(line.split()[1]) for line in f]
    assert model.prototype_labels.tolist() == labels
    norms = model.prototype_vecs.norm(dim=1)
    torch.testing.assert_close(norms, torch.ones_like(norms))
    # A prototype queried with its own image is its own nearest neighbour
    # (similarity 1), so with k=1 every prototype is classified correctly.
    model.topk = 1
    from mmengine.runner import Runner
    batch = next(iter(Runner.build_dataloader(model.prototype)))
    data = model.data_preprocessor(batch, False)
    with torch.no_grad():  # as in the runner's test loop
        preds = model.predict(data['inputs'], data['data_samples'])
    assert [int(p.pred_label) for p in preds] == labels[:len(preds)]
    assert all(float(p.pred_score.sum()) == pytest.approx(1.0) for p in preds)


def test_prototypes_that_were_never_visited_are_refused(digits_root):
    model = MODELS.build(knn_cfg(digits_root, drop_last=True))
    with pytest.raises(RuntimeError, match='43 of 143 prototypes got no'):
        model.prepare_prototype()


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match='k >= 1'):
        MODELS.build(dict(knn_cfg('x'), k=0))
    with pytest.raises(TypeError, match='dataloader config'):
        MODELS.build(dict(knn_cfg('x'), prototype='feats.pth'))


def test_raw_pixels_are_an_encoder_without_parameters(digits_root):
    """The raw-input floor: every prototype is its own flattened image."""
    model = MODELS.build(
        dict(knn_cfg(digits_root), image_encoder=dict(type='RawPixels')))
    assert not list(model.parameters())
    model.prepare_prototype()
    from mmengine.runner import Runner
    batch = next(iter(Runner.build_dataloader(model.prototype)))
    inputs = model.data_preprocessor(batch, False)['inputs']
    expected = torch.nn.functional.normalize(inputs.flatten(1), dim=1)
    torch.testing.assert_close(model.prototype_vecs[:len(expected)], expected)
    assert model.prototype_vecs.shape[1] == 3 * 32 * 32
