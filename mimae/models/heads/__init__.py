from .mi_max_head import MaxMIHead
from .mi_min_head import MinMIHead

__all__ = ['MaxMIHead', 'MinMIHead']
