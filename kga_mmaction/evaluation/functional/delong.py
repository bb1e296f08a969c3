"""DeLong's test for two correlated ROC AUCs on the same cases.

DeLong, DeLong and Clarke-Pearson (Biometrics, 1988): each AUC is a
Mann-Whitney statistic; its structural components (one per positive and per
negative case) give the covariance of the two AUCs, and ``z = (AUC_a -
AUC_b) / sqrt(var(AUC_a - AUC_b))`` is compared with the standard normal,
two-sided. The components are computed from midranks (Sun and Xu, IEEE
Signal Processing Letters, 2014), so tied scores count one half, as in the
AUC itself. The AUCs come from :func:`~.roc.roc_analysis`, the one place the
package computes them.
"""
from typing import Sequence, Tuple

import numpy as np
from scipy.stats import norm, rankdata

from .roc import roc_analysis


def _structural_components(
        scores: np.ndarray,
        positive: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """DeLong's components of one score vector, from midranks.

    Args:
        scores (np.ndarray): Scores, ``[N]``.
        positive (np.ndarray): True for positive cases, ``[N]``.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``V10`` ``[m]``, the fraction of
        negatives each positive outranks, and ``V01`` ``[n]``, the fraction
        of positives that outrank each negative (ties count one half).
    """
    pos, neg = scores[positive], scores[~positive]
    m, n = len(pos), len(neg)
    ranks = rankdata(np.concatenate([pos, neg]))  # midranks, [m + n]
    v10 = (ranks[:m] - rankdata(pos)) / n  # [m]
    v01 = 1.0 - (ranks[m:] - rankdata(neg)) / m  # [n]
    return v10, v01


def delong_test(scores_a: Sequence[float], scores_b: Sequence[float],
                labels: Sequence[int]) -> Tuple[float, float, float]:
    """Two-sided DeLong test of ``AUC_a == AUC_b`` on paired scores.

    Args:
        scores_a (Sequence[float]): Model A's positive-class scores, ``[N]``.
        scores_b (Sequence[float]): Model B's scores of the same cases,
            ``[N]``.
        labels (Sequence[int]): 1 for positive, 0 for negative, ``[N]``.

    Returns:
        tuple[float, float, float]: ``(auc_a, auc_b, p_value)``. The p-value
        is 1.0 when the difference has zero variance and the AUCs are equal
        (e.g. identical rankings), 0.0 when they differ.

    Raises:
        ValueError: If the lengths differ, a class has fewer than 2 cases,
            or (from :func:`roc_analysis`)
            the labels are not 0/1, hold one class only, or a score is not
            finite.
    """
    if not len(scores_a) == len(scores_b) == len(labels):
        raise ValueError(f'scores_a, scores_b and labels must have one '
                         f'length, got {len(scores_a)}, {len(scores_b)} '
                         f'and {len(labels)}')
    scores = np.asarray([scores_a, scores_b], dtype=np.float64)  # [2, N]
    positive = np.asarray(labels).reshape(-1) == 1
    if min(positive.sum(), (~positive).sum()) < 2:
        raise ValueError('the DeLong variance needs at least 2 positive and '
                         f'2 negative cases, got {positive.sum()} and '
                         f'{(~positive).sum()}')
    aucs = [roc_analysis(s, labels).auc for s in scores]
    v10, v01 = zip(*(_structural_components(s, positive) for s in scores))
    # covariance of (AUC_a, AUC_b): S10 / m + S01 / n, each [2, 2]
    cov = (np.cov(np.stack(v10)) / positive.sum() +
           np.cov(np.stack(v01)) / (~positive).sum())
    variance = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
    difference = aucs[0] - aucs[1]
    if variance <= 0:
        return aucs[0], aucs[1], 1.0 if difference == 0 else 0.0
    z = difference / np.sqrt(variance)
    return aucs[0], aucs[1], float(2 * norm.sf(abs(z)))
