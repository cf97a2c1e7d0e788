from .mimae_vit import MIMAEViT
from .vitdet import ViTDet

__all__ = ['MIMAEViT', 'ViTDet']
