"""Make a resumed run continue exactly as the uninterrupted run would."""
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.registry import HOOKS

from ...datasets import ResumableSampler, SeedSample
from ...utils import seed_everything


@HOOKS.register_module()
class ExactResumeHook(Hook):
    """Tie every random draw of training to the run's seed and position.

    mmengine's checkpoints hold the weights, optimizer, schedulers and
    message hub but no random state, and its DataLoader workers keep theirs
    in memory; a resumed run therefore draws other masks and other
    augmentations than the uninterrupted one. Instead of saving every
    generator's state (the workers' cannot be reached), this hook makes the
    randomness a function of where the run is:

    - before each training iteration, the main process's generators (masks,
      drop path, anything in the model) are seeded from
      ``(seed, iteration, rank)``;
    - the training sampler must be :class:`~mimae.datasets.ResumableSampler`
      and the pipeline must start with :class:`~mimae.datasets.SeedSample`,
      which seeds each sample's augmentation from ``(seed, epoch, index)``;
    - on resume from a checkpoint written inside an epoch, the sampler skips
      the samples that epoch already trained on, and it takes the
      checkpoint's seed (mmengine restores ``runner.seed`` but not the seed
      the sampler was built with).

    With ``randomness.deterministic=True`` on CPU a run killed anywhere and
    resumed from its last checkpoint ends bitwise equal to the
    uninterrupted run (``tests/test_engine/test_exact_resume.py``).
    """

    priority = 'VERY_HIGH'  # before any other hook draws a random number

    def before_train(self, runner) -> None:
        loader = runner.train_dataloader
        sampler = loader.sampler
        if not isinstance(sampler, ResumableSampler):
            raise TypeError('ExactResumeHook needs train_dataloader.sampler='
                            "dict(type='ResumableSampler', ...), got "
                            f'{type(sampler).__name__}')
        transforms = getattr(loader.dataset, 'pipeline', None)
        first = getattr(transforms, 'transforms', [None])[0]
        if not isinstance(first, SeedSample):
            raise TypeError(
                "ExactResumeHook needs dict(type='SeedSample') first in the "
                f'training pipeline, got {type(first).__name__}')
        sampler.seed = runner.seed
        per_epoch = len(loader)
        done = runner.iter - runner.epoch * per_epoch
        if done > 0:
            # Only an epoch's last batch can be short.
            sampler.resume_at(
                runner.epoch, min(done * loader.batch_size,
                                  sampler.num_samples))
            print_log(
                f'ExactResumeHook: epoch {runner.epoch} resumes after its '
                f'first {done} of {per_epoch} iterations (seed '
                f'{runner.seed})',
                logger='current')

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch=None) -> None:
        seed_everything(runner.seed, runner.iter, get_rank())
