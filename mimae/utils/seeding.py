"""Seeding every random generator from a tuple of integers."""
import random
from typing import Tuple

import numpy as np
import torch


def seed_everything(*keys: int) -> Tuple[int, ...]:
    """Seed Python's ``random``, numpy's global generator and torch's (CPU
    and every CUDA device) from ``keys``, e.g. ``(seed, epoch, index)``.

    numpy's ``SeedSequence`` mixes the keys, so neighbouring tuples give
    unrelated streams.

    Returns:
        Tuple[int, ...]: the keys, as given.
    """
    state = np.random.SeedSequence([int(k) for k in keys]).generate_state(2)
    random.seed(int(state[0]))
    np.random.seed(int(state[0]))
    torch.manual_seed(int(state[0]) << 32 | int(state[1]))
    return keys
