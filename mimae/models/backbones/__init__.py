from .mimae_vit import MIMAEViT
from .raw_pixels import RawPixels
from .vitdet import ViTDet

__all__ = ['MIMAEViT', 'RawPixels', 'ViTDet']
