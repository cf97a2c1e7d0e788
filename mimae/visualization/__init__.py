from .reconstruction import draw_reconstruction, reconstruct

__all__ = ['draw_reconstruction', 'reconstruct']
