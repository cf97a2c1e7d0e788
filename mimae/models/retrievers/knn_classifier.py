from typing import List, Optional, Tuple

import mmengine.dist as dist
import torch
import torch.nn.functional as F
from mmpretrain.models.retrievers import ImageToImageRetriever
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from mmpretrain.utils import track_on_main_process


@MODELS.register_module()
class WeightedKNNClassifier(ImageToImageRetriever):
    """Weighted k-NN classification on frozen features (the DINO protocol).

    The k-NN evaluation of self-supervised backbones used by DINO (Caron et
    al., 2021) and MMSelfSup: every training image is a prototype, features
    are L2-normalised, and a query's class scores are the sum over its ``k``
    most similar prototypes of ``exp(cos / temperature)``, per prototype
    label. The result is an ordinary classification prediction, so
    MMPretrain's ``Accuracy`` metric scores it.

    MMPretrain's :class:`ImageToImageRetriever` already extracts the
    prototype features (distributed, gathered by ``sample_idx``); this class
    adds only what k-NN needs on top: the prototype labels, a similarity that
    is one matrix product (the parent's cosine builds a ``N x M x C`` tensor,
    too large for ImageNet), top-k instead of a full sort, and the vote.

    Args:
        image_encoder (dict | List[dict]): The frozen feature extractor, e.g.
            ``[dict(type='VisionTransformer', out_type='cls_token',
            init_cfg=dict(type='Pretrained', ...))]``. A tuple output uses
            its last element.
        prototype (dict): Dataloader config of the labelled prototypes (the
            training split with the test pipeline).
        num_classes (int): Number of classes.
        k (int): Neighbours that vote. Defaults to 20 (DINO).
        temperature (float): Temperature of the vote weights. Defaults to
            0.07 (DINO).
        **kwargs: Other arguments of :class:`ImageToImageRetriever`.
    """

    def __init__(self,
                 image_encoder,
                 prototype: dict,
                 num_classes: int,
                 k: int = 20,
                 temperature: float = 0.07,
                 **kwargs) -> None:
        if k < 1 or temperature <= 0:
            raise ValueError(
                f'k-NN needs k >= 1 and temperature > 0, got k={k}, '
                f'temperature={temperature}.')
        if not isinstance(prototype, dict):
            raise TypeError('WeightedKNNClassifier needs its prototypes as a '
                            'dataloader config (their labels are read from '
                            f'it), got {type(prototype).__name__}.')
        super().__init__(
            image_encoder=image_encoder, prototype=prototype, topk=k, **kwargs)
        self.num_classes = num_classes
        self.temperature = temperature

    def extract_feat(self, inputs: torch.Tensor) -> torch.Tensor:
        """L2-normalised features, B x C."""
        feats = self.image_encoder(inputs)
        if isinstance(feats, tuple):
            feats = feats[-1]
        return F.normalize(feats.flatten(1).float(), dim=1)

    @torch.no_grad()
    def prepare_prototype(self) -> None:
        """Features (M x C) and labels (M) of every prototype image."""
        from mmengine.runner import Runner
        loader = Runner.build_dataloader(self.prototype)
        num = len(loader.dataset)
        # The preprocessor knows the model's device even when the encoder
        # has no parameters (the raw-input floor, RawPixels).
        device = self.data_preprocessor.device
        vecs = labels = None
        counts = torch.zeros(num, device=device)
        self.eval()
        for data_batch in track_on_main_process(loader):
            data = self.data_preprocessor(data_batch, False)
            feats = self.extract_feat(data['inputs'])
            if vecs is None:
                vecs = torch.zeros(num, feats.shape[1], device=device)
                labels = torch.zeros(num, device=device)
            idx = torch.tensor([s.sample_idx for s in data['data_samples']],
                               device=device)
            vecs[idx] = feats
            labels[idx] = torch.cat([s.gt_label for s in data['data_samples']
                                     ]).to(device, torch.float)
            counts[idx] = 1
        # Each process filled its shard; the distributed sampler pads the
        # last shard with repeats, so sums are divided by the visit counts.
        dist.all_reduce(vecs)
        dist.all_reduce(labels)
        dist.all_reduce(counts)
        if bool((counts == 0).any()):
            raise RuntimeError(
                f'{int((counts == 0).sum())} of {num} prototypes got no '
                'feature: the prototype dataloader must visit every sample '
                '(no drop_last).')
        vecs /= counts[:, None]
        labels = (labels / counts).round().long()
        self.register_buffer('prototype_vecs', vecs, persistent=False)
        self.register_buffer('prototype_labels', labels, persistent=False)
        self.prototype_inited = True

    def matching(self, feats: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Top-k similar prototypes of each query.

        Args:
            feats (torch.Tensor): Normalised query features, B x C.

        Returns:
            Tuple[torch.Tensor, ...]: similarities and prototype indices,
            both B x k.
        """
        sim = feats @ self.prototype_vecs.T
        return sim.topk(min(self.topk, sim.shape[1]), dim=1)

    def vote(self, sim: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
        """Class scores (B x num_classes) from the neighbours, summing to 1."""
        weights = (sim / self.temperature).exp()
        scores = torch.zeros(sim.shape[0], self.num_classes, device=sim.device)
        scores.scatter_add_(1, self.prototype_labels[indices], weights)
        return scores / scores.sum(dim=1, keepdim=True)

    def predict(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                **kwargs) -> List[DataSample]:
        """Class scores and labels of a batch of queries, B x 3 x H x W."""
        if not self.prototype_inited:
            self.prepare_prototype()
        scores = self.vote(*self.matching(self.extract_feat(inputs)))
        if data_samples is None:
            data_samples = [DataSample() for _ in range(scores.shape[0])]
        for data_sample, score in zip(data_samples, scores):
            data_sample.set_pred_score(score).set_pred_label(score.argmax())
        return data_samples
