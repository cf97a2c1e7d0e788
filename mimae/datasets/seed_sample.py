"""Seed a sample's augmentation from the sample, not from the worker."""
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS

from ..utils import seed_everything
from .resumable_sampler import SampleIndex


@TRANSFORMS.register_module()
class SeedSample(BaseTransform):
    """Seed ``random``, numpy and torch from ``(seed, epoch, index)``.

    Put it first in a training pipeline whose sampler is
    :class:`~mimae.datasets.ResumableSampler`. A sample's random crop, flip
    and so on then depend only on the run's seed, the epoch and the
    sample, not on which DataLoader worker loads it or what that worker
    loaded before, so a run resumed in the middle of an epoch augments the
    rest of it exactly as the uninterrupted run did. Samples whose
    ``sample_idx`` is a plain ``int`` (another sampler, evaluation) pass
    through unchanged.

    Required keys: ``sample_idx`` (set by mmengine's ``BaseDataset``).
    """

    def transform(self, results: dict) -> dict:
        index = results.get('sample_idx')
        if isinstance(index, SampleIndex):
            seed_everything(index.seed, index.epoch, int(index))
        return results
