"""User-facing functions: models by name from mimae's model index.

Importing this module registers mimae's pre-training and classification
rows in MMPretrain's ``ModelHub`` (see :mod:`.model_zoo`).
"""
from .model_zoo import (get_config, get_model, list_models,
                        register_in_mmpretrain)

__all__ = ['get_config', 'get_model', 'list_models', 'register_in_mmpretrain']

register_in_mmpretrain()
