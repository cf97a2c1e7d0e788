from .mimae import MIMAE

__all__ = ['MIMAE']
