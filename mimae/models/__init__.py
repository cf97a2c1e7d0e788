"""MI-MAE modules for MMPretrain's registries.

``mimae.models.necks`` (ViTDet's SimpleFPN, for mmdet) is not imported
here: detection configs import it themselves, so that MMPretrain users do
not need mmdet.
"""
from .backbones import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .retrievers import *  # noqa: F401,F403
from .selfsup import *  # noqa: F401,F403
