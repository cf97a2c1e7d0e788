"""Data pieces for long pre-training runs: a sampler that tags each index
with its seed and epoch and can start an epoch in the middle, a transform
that seeds each sample's augmentation from that tag (both for exact
resume), and an image loader that names a bad file and can skip it."""
from .checked_load_image import ImageDecodeError, LoadImageFromFileChecked
from .resumable_sampler import ResumableSampler, SampleIndex
from .seed_sample import SeedSample

__all__ = [
    'ImageDecodeError', 'LoadImageFromFileChecked', 'ResumableSampler',
    'SampleIndex', 'SeedSample'
]
