"""A DefaultSampler whose run can stop and start again anywhere."""
from typing import Iterator

from mmengine.dataset import DefaultSampler
from mmpretrain.registry import DATA_SAMPLERS


class SampleIndex(int):
    """A dataset index that also says which run and epoch drew it.

    It is an ``int`` everywhere (list indexing, arithmetic, collation);
    mmengine's ``BaseDataset`` stores it as ``sample_idx`` in the sample,
    where :class:`~mimae.datasets.SeedSample` reads ``seed`` and ``epoch``
    to seed the sample's augmentation, in whichever worker process it
    lands.
    """

    def __new__(cls, index: int, seed: int, epoch: int) -> 'SampleIndex':
        obj = super().__new__(cls, index)
        obj.seed, obj.epoch = seed, epoch
        return obj

    def __reduce__(self):  # to the DataLoader workers and back
        return SampleIndex, (int(self), self.seed, self.epoch)


@DATA_SAMPLERS.register_module()
class ResumableSampler(DefaultSampler):
    """:class:`mmengine.dataset.DefaultSampler` (same order, same split
    across ranks) that yields :class:`SampleIndex` and can skip the part of
    an epoch a resumed run already trained on.

    :class:`~mimae.engine.hooks.ExactResumeHook` calls :meth:`resume_at`
    when a run resumes from a checkpoint written in the middle of an epoch.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._skip_epoch, self._skip = -1, 0

    def resume_at(self, epoch: int, samples: int) -> None:
        """Start epoch ``epoch`` after its first ``samples`` indices (of
        this rank)."""
        if not 0 <= samples <= self.num_samples:
            raise ValueError(
                f'cannot resume epoch {epoch} after {samples} samples: this '
                f'rank has {self.num_samples} per epoch. Was the checkpoint '
                'written with another batch size, dataset or number of '
                'processes?')
        self._skip_epoch, self._skip = epoch, samples

    def __iter__(self) -> Iterator[int]:
        indices = list(super().__iter__())
        if self.epoch == self._skip_epoch:
            indices = indices[self._skip:]
        return iter(SampleIndex(i, self.seed, self.epoch) for i in indices)

    def __len__(self) -> int:
        skip = self._skip if self.epoch == self._skip_epoch else 0
        return self.num_samples - skip
