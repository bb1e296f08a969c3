"""The metrics a table reads off prediction files: diagnosis (AUC, rates,
calibration) and keyframe localisation, recomputed from the predictions
as at test time (:func:`kga_mmaction.evaluation.evaluate_predictions`)."""
import numbers
from typing import Callable, Dict, List, Optional, Sequence

from ..evaluation import (BinaryDiagnosisMetric, KeyframeLocalisationMetric,
                          VideoPrediction, evaluate_predictions,
                          load_predictions)


def evaluate(predictions: Sequence[VideoPrediction], metric: dict,
             keep_prefix: bool = False) -> Dict[str, float]:
    """A metric of the predictions, without its prefix unless asked.

    Args:
        predictions (Sequence[VideoPrediction]): Labelled predictions.
        metric (dict): The metric's config, e.g.
            ``dict(type='BinaryDiagnosisMetric')``.
        keep_prefix (bool): Keep the ``'<prefix>/'`` of the keys.
            Defaults to False.

    Returns:
        dict: The metric's values.
    """
    metrics = evaluate_predictions(predictions, metric)
    if keep_prefix:
        return metrics
    return {key.split('/', 1)[-1]: value for key, value in metrics.items()}


#: Reads a prediction file: :func:`~kga_mmaction.evaluation.
#: load_predictions`, or a rescoring of it such as :func:`~kga_mmaction.
#: evaluation.load_lesion_area_oracle`.
Loader = Callable[[str], List[VideoPrediction]]


def diagnosis_metrics(path: str,
                      threshold: Optional[float] = None,
                      load: Loader = load_predictions) -> Dict[str, float]:
    """``BinaryDiagnosisMetric`` of a prediction file, without its prefix.

    Args:
        path (str): A ``DumpPredictions`` file.
        threshold (float, optional): The metric's fixed threshold (the
            ``*@fixed`` keys). Defaults to None.
        load (Loader): Reads the file. Defaults to
            :func:`~kga_mmaction.evaluation.load_predictions`.

    Returns:
        dict: AUC, the rates at the Youden (and fixed) threshold, the class
        counts, ``brier``, ``ece`` and ``ece_bins``.
    """
    return evaluate(
        load(path),
        dict(type=BinaryDiagnosisMetric.__name__, threshold=threshold))


def keyframe_metrics(
        predictions: Sequence[VideoPrediction]) -> Dict[str, float]:
    """``KeyframeLocalisationMetric`` (default arguments) of the
    predictions: its averages only (not its video counts), with its prefix.

    Args:
        predictions (Sequence[VideoPrediction]): Labelled predictions.

    Returns:
        dict: E.g. ``keyframe/area_corr`` and ``keyframe/top4_overlap``;
        empty when a prediction has no frame weights (a model without frame
        attention), or when the metric counts no video (no lesion areas in
        the predictions, or weights or areas constant within each video).
    """
    if any(p.frame_weights is None for p in predictions):
        return {}
    return {
        key: value
        for key, value in evaluate(
            predictions, dict(type=KeyframeLocalisationMetric.__name__),
            keep_prefix=True).items()
        if isinstance(value, numbers.Real)
        and not isinstance(value, numbers.Integral)
    }
