"""Pure functions behind the metrics and figures."""
from .correlation import pearson_r

__all__ = ['pearson_r']
