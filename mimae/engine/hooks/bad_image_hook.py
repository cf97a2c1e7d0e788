"""Skip undecodable training images, count them, and stop if too many."""
from typing import List

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.registry import HOOKS

from ...datasets import LoadImageFromFileChecked


def _checked_loaders(dataset) -> List[LoadImageFromFileChecked]:
    """The checked image loaders of a dataset's pipeline (wrappers too)."""
    while not hasattr(dataset, 'pipeline') and hasattr(dataset, 'dataset'):
        dataset = dataset.dataset
    transforms = getattr(getattr(dataset, 'pipeline', None), 'transforms', [])
    return [t for t in transforms if isinstance(t, LoadImageFromFileChecked)]


@HOOKS.register_module()
class BadImageHook(Hook):
    """Decide what an undecodable training image does to the run.

    With ``skip=False`` (the default) the training pipeline's
    :class:`~mimae.datasets.LoadImageFromFileChecked` fails on the first bad
    file, naming it and its sample index. With ``skip=True`` each bad file
    is logged (with its path) and replaced by another sample; the count is
    logged as it grows, saved in every checkpoint's ``meta['bad_images']``
    (and carried on by a resumed run), and the run stops when it passes
    ``max_fraction`` of the dataset.

    Args:
        skip (bool): Skip bad files. Defaults to False.
        max_fraction (float): Largest tolerated share of bad files.
            Defaults to 0.001.
    """

    def __init__(self, skip: bool = False, max_fraction: float = 1e-3):
        if not 0 <= max_fraction < 1:
            raise ValueError(f'max_fraction must be in [0, 1), got '
                             f'{max_fraction}')
        self.skip, self.max_fraction = skip, max_fraction
        self._loaders: List[LoadImageFromFileChecked] = []
        self._resumed = self._reported = 0

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._resumed = checkpoint.get('meta', {}).get('bad_images', 0)

    def before_train(self, runner) -> None:
        dataset = runner.train_dataloader.dataset
        self._loaders = _checked_loaders(dataset)
        if self.skip and not self._loaders:
            raise TypeError(
                "BadImageHook(skip=True) needs dict(type="
                "'LoadImageFromFileChecked') in the training pipeline")
        for loader in self._loaders:  # before the workers start
            loader.skip_bad = self.skip
        self._size = len(dataset)
        self._reported = self._resumed

    def count(self) -> int:
        """Bad files skipped so far in this run and the runs it resumes."""
        return self._resumed + sum(t.bad_count.value for t in self._loaders)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        count = self.count()
        if count == self._reported:
            return
        self._reported = count
        share = count / self._size
        print_log(
            f'{count} undecodable training images skipped so far '
            f'({share:.3%} of {self._size})',
            logger='current',
            level=30)
        if share > self.max_fraction:
            raise RuntimeError(
                f'{count} of {self._size} training images ({share:.3%}) '
                f'could not be loaded, more than BadImageHook(max_fraction='
                f'{self.max_fraction}): the data is damaged. The warnings '
                'above name each file.')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint.setdefault('meta', {})['bad_images'] = self.count()
