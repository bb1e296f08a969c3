"""Reliability diagram of a binary diagnosis's malignancy probability.

:func:`plot_reliability` draws, for equal-width bins of the predicted
probability, the observed fraction of positive videos against the mean
predicted probability (a calibrated model lies on the diagonal), and the
number of videos per bin below. The numbers come from
:mod:`kga_mmaction.evaluation.functional.calibration`, which
:class:`~kga_mmaction.evaluation.BinaryDiagnosisMetric` reports from.
"""
from typing import Optional, Sequence

import numpy as np
from matplotlib.figure import Figure

from ..evaluation.functional import (brier_score, expected_calibration_error,
                                     reliability_bins)
from .attention_figures import TOP_COLOR, _new_figure

#: Colour of the observed-fraction bars and the count bars.
BAR_COLOR = 'tab:blue'
#: Height of the count panel over the tallest bar, for the count above it.
COUNT_HEADROOM = 1.25


def plot_reliability(probs: Sequence[float],
                     labels: Sequence[int],
                     num_bins: int = 10,
                     positive_name: str = 'malignant',
                     title: Optional[str] = None) -> Figure:
    """Reliability diagram with the Brier score and the ECE in the title.

    The upper panel has one bar per non-empty bin, spanning the bin, as
    high as the fraction of its videos that are positive, and a point at
    (mean predicted probability, that fraction); the dotted diagonal is
    perfect calibration. The lower panel gives the number of videos in
    each bin.

    Args:
        probs (Sequence[float]): Probability of the positive class per
            video, ``[n]``.
        labels (Sequence[int]): 1 for positive, 0 for negative, ``[n]``.
        num_bins (int): Number of equal-width bins on [0, 1].
            Defaults to 10.
        positive_name (str): Name of the positive class (axis labels).
            Defaults to ``'malignant'``.
        title (str, optional): Prefix of the title.

    Returns:
        Figure: The figure; its title holds ``Brier = ...`` and
        ``ECE = ...``.

    Raises:
        ValueError: If a probability is outside [0, 1] or not finite, a
            label is not 0/1, or ``num_bins < 1``.
    """
    bins = reliability_bins(probs, labels, num_bins)
    brier = brier_score(probs, labels)
    ece = expected_calibration_error(probs, labels, num_bins)
    filled = bins.count > 0
    width = bins.upper - bins.lower  # [B]

    fig = _new_figure(5.0, 6.5)
    grid = fig.add_gridspec(2, 1, height_ratios=(3, 1), hspace=0.08)
    ax = fig.add_subplot(grid[0])
    ax.bar(bins.lower[filled], bins.positive_fraction[filled],
           width=width[filled], align='edge', color=BAR_COLOR, alpha=0.35,
           edgecolor=BAR_COLOR, label=f'observed {positive_name} fraction')
    ax.plot(bins.mean_probability[filled], bins.positive_fraction[filled],
            'o-', color=TOP_COLOR, ms=6, lw=1,
            label='observed, at the mean predicted probability')
    ax.plot([0, 1], [0, 1], ':', color='0.4', lw=1,
            label='perfect calibration')
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.tick_params(labelbottom=False)
    ax.set_ylabel(f'fraction {positive_name}')
    ax.legend(loc='upper left', fontsize=8)
    ax.set_title(f'{title + ": " if title else ""}Brier = {brier:.4f}, '
                 f'ECE = {ece:.4f} ({bins.num_bins} bins, '
                 f'{bins.num_samples} videos)', fontsize=10)

    counts = fig.add_subplot(grid[1], sharex=ax)
    counts.bar(bins.lower, bins.count, width=width, align='edge',
               color=BAR_COLOR, edgecolor='k', lw=0.5)
    for lower, w, count in zip(bins.lower[filled], width[filled],
                               bins.count[filled]):
        counts.text(lower + w / 2, count, str(int(count)), ha='center',
                    va='bottom', fontsize=7)
    counts.set_ylim(0, np.max(bins.count) * COUNT_HEADROOM)
    counts.set_xlabel(f'predicted {positive_name} probability')
    counts.set_ylabel('videos')
    return fig
