"""Load an image, or say which one could not be loaded (and maybe skip it)."""
import copy
import multiprocessing
from typing import Optional

from mmcv.transforms import LoadImageFromFile
from mmengine.logging import print_log
from mmpretrain.registry import TRANSFORMS


class ImageDecodeError(RuntimeError):
    """An image file that cannot be read or decoded."""


@TRANSFORMS.register_module()
class LoadImageFromFileChecked(LoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` whose failures name the file and the
    sample, with an opt-in to skip such files.

    mmcv lets cv2's error through (an empty file gives
    ``(-215:Assertion failed) !buf.empty()`` from a DataLoader worker, with
    no file name). Here a file that cannot be read or decoded raises
    :class:`ImageDecodeError` with its path and ``sample_idx``. With
    ``skip_bad=True`` (set by :class:`~mimae.engine.hooks.BadImageHook`
    before the workers start) it is logged once per worker, counted, and
    the transform returns ``None``: mmengine's ``BaseDataset`` then loads
    another sample in its place (drawn from numpy's generator, which
    :class:`~mimae.datasets.SeedSample` seeds, so the choice is
    reproducible).

    Grayscale, RGBA, CMYK and 16-bit files load as 8-bit 3-channel images
    (cv2 and pillow backends alike; tested).

    Args:
        skip_bad (bool): Skip undecodable files instead of failing.
            Defaults to False.
        **kwargs: ``LoadImageFromFile``'s arguments.
    """

    def __init__(self, skip_bad: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.skip_bad = skip_bad
        # Shared with the DataLoader workers, which inherit it.
        self.bad_count = multiprocessing.Value('l', 0)
        self._logged = set()

    def __deepcopy__(self, memo: dict) -> 'LoadImageFromFileChecked':
        # A shared counter cannot be copied, only shared.
        new = copy.copy(self)
        new.__dict__ = copy.deepcopy(
            {
                k: v
                for k, v in self.__dict__.items() if k != 'bad_count'
            }, memo)
        new.bad_count = self.bad_count
        return new

    def transform(self, results: dict) -> Optional[dict]:
        path, index = results.get('img_path'), results.get('sample_idx')
        try:
            loaded = super().transform(results)
            if loaded is None:  # ignore_empty and a missing file
                raise FileNotFoundError(path)
            return loaded
        except Exception as error:  # cv2, pillow, I/O: all mean 'bad file'
            message = (f'cannot load image {path} (sample {index}): '
                       f'{type(error).__name__}: {error}')
            if not self.skip_bad:
                raise ImageDecodeError(message) from error
        with self.bad_count.get_lock():
            self.bad_count.value += 1
        if path not in self._logged:
            self._logged.add(path)
            print_log(f'skipped: {message}', logger='current', level=30)
        return None
