"""Calibration of a binary diagnosis: Brier score, ECE, reliability bins.

A model is calibrated when, among the videos it gives a malignancy
probability of about ``p``, a fraction of about ``p`` is malignant. The
functions here measure that for the positive-class probability (the
binary "positive-class" reliability formulation, not the top-label one):

* :func:`brier_score` -- the mean squared error of the probability against
  the 0/1 label (Brier, 1950), as
  :func:`sklearn.metrics.brier_score_loss`;
* :func:`reliability_bins` -- equal-width probability bins with the mean
  predicted probability and the observed positive fraction in each, the
  table a reliability diagram draws;
* :func:`expected_calibration_error` -- their count-weighted mean gap
  (Naeini et al., AAAI 2015; Guo et al., ICML 2017).

Conventions are those of :mod:`.roc`: ``labels`` is 1/True for a positive
(malignant) sample, 0/False for a negative one.
"""
from dataclasses import dataclass
from typing import Sequence, Tuple

import numpy as np

from .roc import as_binary


def as_probabilities(probs: Sequence[float],
                     labels: Sequence[int]) -> Tuple[np.ndarray, np.ndarray]:
    """Check and convert positive-class probabilities and their labels.

    Args:
        probs (Sequence[float]): Positive-class probabilities, ``[N]``.
        labels (Sequence[int]): 1 for positive, 0 for negative, ``[N]``.

    Returns:
        tuple[np.ndarray, np.ndarray]: Probabilities ``[N]`` (float64) and
        labels ``[N]`` (bool).

    Raises:
        ValueError: If the lengths differ, there are no samples, a label is
            not 0/1, or a probability is not finite or outside [0, 1].
    """
    probs, labels = as_binary(probs, labels)
    if not len(probs):
        raise ValueError('calibration needs at least one sample, got none')
    outside = (probs < 0) | (probs > 1)
    if outside.any():
        raise ValueError('probabilities must lie in [0, 1], got '
                         f'{probs[outside][:5].tolist()}')
    return probs, labels


def brier_score(probs: Sequence[float], labels: Sequence[int]) -> float:
    """Mean squared error of the positive-class probability.

    ``brier = mean_i (p_i - y_i) ** 2`` with ``y_i`` in {0, 1}: 0 for
    certain and right, 1 for certain and wrong, 0.25 for always 0.5. It
    equals :func:`sklearn.metrics.brier_score_loss`.

    Args:
        probs (Sequence[float]): Positive-class probabilities, ``[N]``.
        labels (Sequence[int]): 1 for positive, 0 for negative, ``[N]``.

    Returns:
        float: The Brier score, in [0, 1].

    Raises:
        ValueError: As :func:`as_probabilities`.
    """
    probs, labels = as_probabilities(probs, labels)
    return float(np.mean((probs - labels) ** 2))


@dataclass(frozen=True)
class ReliabilityBins:
    """Equal-width bins of the positive-class probability on [0, 1].

    Bin ``b`` of ``B`` holds the samples with ``b / B <= p < (b + 1) / B``
    (bin index ``floor(p * B)``); the last bin is closed, so that
    ``p = 1.0`` falls in it.

    Attributes:
        lower (np.ndarray): Lower edge of each bin, ``[B]``.
        upper (np.ndarray): Upper edge of each bin, ``[B]``.
        count (np.ndarray): Number of samples in each bin, ``[B]`` (int).
        mean_probability (np.ndarray): Mean predicted probability of the
            samples in each bin (its confidence), NaN where empty, ``[B]``.
        positive_fraction (np.ndarray): Fraction of them that are positive
            (its observed frequency), NaN where empty, ``[B]``.
    """
    lower: np.ndarray
    upper: np.ndarray
    count: np.ndarray
    mean_probability: np.ndarray
    positive_fraction: np.ndarray

    @property
    def num_bins(self) -> int:
        """``B``."""
        return len(self.count)

    @property
    def num_samples(self) -> int:
        """``N``, the samples over all bins."""
        return int(self.count.sum())


def reliability_bins(probs: Sequence[float], labels: Sequence[int],
                     num_bins: int) -> ReliabilityBins:
    """The per-bin table of a reliability diagram.

    Args:
        probs (Sequence[float]): Positive-class probabilities, ``[N]``.
        labels (Sequence[int]): 1 for positive, 0 for negative, ``[N]``.
        num_bins (int): Number of equal-width bins ``B`` on [0, 1].

    Returns:
        ReliabilityBins: Edges, counts, mean probabilities and positive
        fractions of the ``B`` bins.

    Raises:
        ValueError: If ``num_bins < 1``, or as :func:`as_probabilities`.
    """
    if num_bins < 1:
        raise ValueError(f'num_bins must be >= 1, got {num_bins}')
    probs, labels = as_probabilities(probs, labels)
    edges = np.linspace(0.0, 1.0, num_bins + 1)  # [B + 1]
    # [N]; p = 1.0 goes to the last bin, which is closed
    index = np.minimum(np.floor(probs * num_bins).astype(np.int64),
                       num_bins - 1)
    count = np.bincount(index, minlength=num_bins)  # [B]
    prob_sum = np.bincount(index, weights=probs, minlength=num_bins)  # [B]
    pos_sum = np.bincount(index, weights=labels.astype(np.float64),
                          minlength=num_bins)  # [B]
    with np.errstate(invalid='ignore'):  # 0 / 0 -> NaN for empty bins
        mean_probability = prob_sum / count
        positive_fraction = pos_sum / count
    return ReliabilityBins(
        lower=edges[:-1],
        upper=edges[1:],
        count=count,
        mean_probability=mean_probability,
        positive_fraction=positive_fraction)


def expected_calibration_error(probs: Sequence[float],
                               labels: Sequence[int],
                               num_bins: int = 10) -> float:
    """Expected calibration error of the positive-class probability.

    ``ECE = sum_b (n_b / N) * |acc_b - conf_b|`` over the non-empty
    equal-width bins of :func:`reliability_bins`, where ``n_b`` is the
    bin's count, ``acc_b`` the fraction of its samples that are positive
    and ``conf_b`` their mean predicted probability. This is the binary
    "positive-class" reliability formulation (the probability of the
    positive class is binned, whatever the predicted class), not the
    top-label ECE of multi-class papers, which bins the winning class's
    probability; the two differ below ``p = 0.5``. It depends on
    ``num_bins``, so report the bin count with it.

    Args:
        probs (Sequence[float]): Positive-class probabilities, ``[N]``.
        labels (Sequence[int]): 1 for positive, 0 for negative, ``[N]``.
        num_bins (int): Number of equal-width bins on [0, 1].
            Defaults to 10.

    Returns:
        float: The ECE, in [0, 1].

    Raises:
        ValueError: As :func:`reliability_bins`.
    """
    bins = reliability_bins(probs, labels, num_bins)
    filled = bins.count > 0
    gaps = np.abs(bins.positive_fraction[filled] -
                  bins.mean_probability[filled])  # [B']
    return float(np.sum(bins.count[filled] * gaps) / bins.num_samples)
