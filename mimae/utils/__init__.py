from .progress import track
from .seeding import seed_everything

__all__ = ['seed_everything', 'track']
