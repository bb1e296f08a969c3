"""The ROC curve and the reliability diagram of a list of per-video
predictions, scored as :class:`~kga_mmaction.evaluation.BinaryDiagnosisMetric`
scores them: ranked by the float64 log-odds where every video has logits,
the probability computed from them (a saturated float32 softmax would
round it to 1.0). ``tools/analysis/plot_roc.py``,
``tools/analysis/plot_reliability.py`` and the case-review report draw
through these two functions."""
from typing import NamedTuple, Optional, Sequence

import numpy as np
from matplotlib.figure import Figure

from ..evaluation.functional import (positive_log_odds,
                                     positive_probabilities, ranking_scores)
from ..evaluation.video_prediction import VideoPrediction
from .attention_figures import plot_roc
from .reliability_diagram import plot_reliability


class PositiveScores(NamedTuple):
    """Per-video scores of the positive class, ``[n]`` each.

    Attributes:
        probabilities: Probability, in float64 from the logits where every
            video has them, else ``pred_score[positive]``.
        ranking: What the ROC ranks by: log-odds when ``by_log_odds``,
            else the probabilities.
        by_log_odds: Whether ``ranking`` holds log-odds.
        labels: 1 for a positive video, 0 otherwise.
    """
    probabilities: np.ndarray
    ranking: np.ndarray
    by_log_odds: bool
    labels: np.ndarray


def positive_scores(predictions: Sequence[VideoPrediction],
                    positive: int) -> PositiveScores:
    """The positive class's scores of labelled predictions, as the metric
    computes them.

    Args:
        predictions (Sequence[VideoPrediction]): With ``gt_label``.
        positive (int): Index of the positive class.

    Returns:
        PositiveScores: Probabilities, ranking scores and 0/1 labels.
    """
    scores = [float(p.pred_score[positive]) for p in predictions]
    log_odds = [None if p.pred_logits is None else
                positive_log_odds(p.pred_logits, positive)
                for p in predictions]
    ranking, by_log_odds = ranking_scores(scores, log_odds)
    return PositiveScores(
        probabilities=np.asarray(positive_probabilities(scores, log_odds),
                                 dtype=np.float64),
        ranking=np.asarray(ranking, dtype=np.float64),
        by_log_odds=bool(by_log_odds),
        labels=np.array([p.gt_label == positive for p in predictions],
                        dtype=int))


def roc_figure(predictions: Sequence[VideoPrediction], positive: int,
               positive_name: str = 'malignant',
               title: Optional[str] = None) -> Figure:
    """:func:`~kga_mmaction.visualization.plot_roc` of the predictions.

    Raises:
        ValueError: If the labels hold one class only.
    """
    scores = positive_scores(predictions, positive)
    return plot_roc(scores.ranking, scores.labels, positive_name,
                    title=title, log_odds=scores.by_log_odds)


def reliability_figure(predictions: Sequence[VideoPrediction],
                       positive: int,
                       num_bins: int = 10,
                       positive_name: str = 'malignant',
                       title: Optional[str] = None) -> Figure:
    """:func:`~kga_mmaction.visualization.plot_reliability` of the
    predictions, over ``num_bins`` equal-width bins."""
    scores = positive_scores(predictions, positive)
    return plot_reliability(scores.probabilities, scores.labels, num_bins,
                            positive_name, title=title)
