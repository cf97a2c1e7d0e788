from .mimae_vit import MIMAEViT

__all__ = ['MIMAEViT']
