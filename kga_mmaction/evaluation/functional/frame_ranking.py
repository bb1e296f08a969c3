"""The frames a video's attention weights rank highest (its keyframes)."""
from typing import Sequence

import numpy as np


def top_k_frames(weights: Sequence[float], k: int) -> np.ndarray:
    """Positions of the ``k`` highest attention weights, highest first.

    Ties keep temporal order (the earlier frame ranks first).

    Args:
        weights (Sequence[float]): Weights, ``[T]``.
        k (int): How many; more than ``T`` gives all ``T``.

    Returns:
        np.ndarray: ``min(k, T)`` positions into ``weights``.

    Raises:
        ValueError: If ``k`` is negative.
    """
    if k < 0:
        raise ValueError(f'k must be >= 0, got {k}')
    weights = np.asarray(weights, dtype=np.float64).reshape(-1)
    return np.argsort(-weights, kind='stable')[:k]
