"""Data pieces that make a training run resumable to the same weights: a
sampler that tags each index with its seed and epoch and can start an
epoch in the middle, and a transform that seeds each sample's
augmentation from that tag."""
from .resumable_sampler import ResumableSampler, SampleIndex
from .seed_sample import SeedSample

__all__ = ['ResumableSampler', 'SampleIndex', 'SeedSample']
