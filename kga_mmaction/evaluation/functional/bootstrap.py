"""Percentile-bootstrap confidence intervals of ROC statistics."""
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np

from .roc import as_binary, check_both_classes

Statistic = Callable[[np.ndarray, np.ndarray], Dict[str, float]]


def bootstrap_ci(scores: Sequence[float],
                 labels: Sequence[int],
                 statistic: Statistic,
                 num_resamples: int,
                 seed: int = 0,
                 level: float = 0.95
                 ) -> Tuple[Dict[str, Tuple[float, float]], int]:
    """Percentile-bootstrap confidence intervals of several statistics.

    Draws ``num_resamples`` samples of size ``N`` with replacement from the
    ``(score, label)`` pairs, evaluates ``statistic`` on each, and takes the
    ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles of each value.
    Resamples that hold a single class are skipped (ROC statistics are not
    defined on them) and counted. Every statistic is computed on the same
    resamples.

    Args:
        scores (Sequence[float]): Positive-class scores, shape ``[N]``.
        labels (Sequence[int]): 1 for positive, 0 for negative, ``[N]``.
        statistic (Callable): Maps ``(scores, labels)`` (float and bool
            arrays) to a dict of floats.
        num_resamples (int): Number of bootstrap resamples drawn.
        seed (int): Seed of :func:`numpy.random.default_rng`.
            Defaults to 0.
        level (float): Confidence level in (0, 1). Defaults to 0.95.

    Returns:
        tuple: ``(intervals, num_skipped)``; ``intervals`` maps each key of
        ``statistic`` to ``(low, high)``.

    Raises:
        ValueError: If ``labels`` holds a single class, ``num_resamples <
            1``, ``level`` is not in (0, 1), or every resample held a single
            class.
    """
    scores, labels = as_binary(scores, labels)
    check_both_classes(labels)
    if num_resamples < 1:
        raise ValueError(f'num_resamples must be >= 1, got {num_resamples}')
    if not 0 < level < 1:
        raise ValueError(f'level must be in (0, 1), got {level}')
    rng = np.random.default_rng(seed)
    n = len(scores)
    values: Dict[str, List[float]] = {}
    skipped = 0
    for _ in range(num_resamples):
        idx = rng.integers(0, n, size=n)
        num_pos = int(labels[idx].sum())
        if num_pos in (0, n):
            skipped += 1
            continue
        for key, value in statistic(scores[idx], labels[idx]).items():
            values.setdefault(key, []).append(value)
    if skipped == num_resamples:
        raise ValueError(f'all {num_resamples} bootstrap resamples of '
                         f'{n} samples held a single class')
    alpha = (1 - level) / 2
    intervals = {
        key: (float(np.quantile(v, alpha)), float(np.quantile(v, 1 - alpha)))
        for key, v in values.items()
    }
    return intervals, skipped
