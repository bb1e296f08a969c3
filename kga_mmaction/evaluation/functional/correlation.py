"""Correlation of frame attention with frame-to-center distance."""
from typing import Sequence

import numpy as np


def pearson_r(x: Sequence[float], y: Sequence[float]) -> float:
    """Pearson correlation of two samples; NaN if either is constant.

    Args:
        x (Sequence[float]): First sample, ``[n]``.
        y (Sequence[float]): Second sample, ``[n]``.

    Returns:
        float: The correlation coefficient in [-1, 1], or NaN.
    """
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if len(x) != len(y):
        raise ValueError(f'samples differ in length: {len(x)} vs {len(y)}')
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float('nan')
    return float(np.corrcoef(x, y)[0, 1])
