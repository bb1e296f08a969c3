"""ROC analysis of a binary diagnosis: AUC, the Youden threshold, rates.

:func:`roc_analysis` is the one function that computes the AUC, the Youden
threshold and the accuracy, sensitivity and specificity at a threshold;
:class:`~kga_mmaction.evaluation.BinaryDiagnosisMetric` (and its bootstrap)
and the ROC figure call it.

Conventions shared by every function here:

* ``scores`` is the score of the positive (malignant) class, higher meaning
  more likely positive; ``labels`` is 1/True for a positive sample, 0/False
  for a negative one.
* A sample is predicted positive when ``score >= threshold``.
* Rates are fractions in [0, 1], not percent: multiply by 100 to compare
  with the paper's tables.
"""
from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve


def as_binary(scores: Sequence[float],
              labels: Sequence[int]) -> Tuple[np.ndarray, np.ndarray]:
    """Check and convert ``scores``/``labels`` to float64 and bool arrays.

    Args:
        scores (Sequence[float]): Positive-class scores, ``[N]``.
        labels (Sequence[int]): 1 for positive, 0 for negative, ``[N]``.

    Returns:
        tuple[np.ndarray, np.ndarray]: Scores ``[N]`` and labels ``[N]``.

    Raises:
        ValueError: If the lengths differ, a label is not 0/1 or a score is
            not finite.
    """
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    labels = np.asarray(labels).reshape(-1)
    if scores.shape != labels.shape:
        raise ValueError(f'scores and labels differ in length: '
                         f'{scores.shape[0]} vs {labels.shape[0]}')
    if not np.isin(labels, (0, 1)).all():
        raise ValueError(f'labels must be 0/1 (positive = 1), got values '
                         f'{sorted(set(labels.tolist()))}')
    if not np.isfinite(scores).all():
        raise ValueError('scores must be finite, got '
                         f'{scores[~np.isfinite(scores)][:5].tolist()}')
    return scores, labels.astype(bool)


def check_both_classes(labels: np.ndarray) -> None:
    """Raise ``ValueError`` unless ``labels`` holds positives and negatives.
    """
    num_pos = int(labels.sum())
    if num_pos in (0, len(labels)):
        kind = 'positive' if num_pos else 'negative'
        raise ValueError(
            f'ROC analysis needs positive and negative samples, but all '
            f'{len(labels)} samples are {kind}')


def confusion_at(scores: Sequence[float], labels: Sequence[int],
                 threshold: float) -> Dict[str, int]:
    """Confusion counts when ``score >= threshold`` predicts positive.

    Args:
        scores (Sequence[float]): Positive-class scores, shape ``[N]``.
        labels (Sequence[int]): 1 for positive, 0 for negative, ``[N]``.
        threshold (float): Decision threshold.

    Returns:
        dict: ``tp``, ``fn``, ``tn``, ``fp`` (ints).
    """
    scores, labels = as_binary(scores, labels)
    pred = scores >= threshold
    return dict(
        tp=int((pred & labels).sum()),
        fn=int((~pred & labels).sum()),
        tn=int((~pred & ~labels).sum()),
        fp=int((pred & ~labels).sum()))


def rates_from_confusion(tp: int, fn: int, tn: int,
                         fp: int) -> Dict[str, float]:
    """Accuracy, sensitivity and specificity from confusion counts.

    ``sensitivity = tp / (tp + fn)`` (true positive rate),
    ``specificity = tn / (tn + fp)`` (true negative rate),
    ``acc = (tp + tn) / (tp + fn + tn + fp)``; all fractions in [0, 1]. A rate
    whose class is absent is NaN.

    Args:
        tp (int): True positives.
        fn (int): False negatives.
        tn (int): True negatives.
        fp (int): False positives.

    Returns:
        dict: ``acc``, ``sensitivity``, ``specificity``.
    """

    def ratio(num: int, den: int) -> float:
        return num / den if den else float('nan')

    return dict(
        acc=ratio(tp + tn, tp + fn + tn + fp),
        sensitivity=ratio(tp, tp + fn),
        specificity=ratio(tn, tn + fp))


def _youden_from_roc(fpr: np.ndarray, tpr: np.ndarray,
                     thresholds: np.ndarray, num_pos: int,
                     num_neg: int) -> float:
    """The threshold that maximises the Youden index (paper, Tables 1-2).

    ``J(t) = sensitivity(t) + specificity(t) - 1 = TPR(t) - FPR(t)`` over the
    thresholds of a full :func:`sklearn.metrics.roc_curve`
    (``drop_intermediate=False``), i.e. the distinct scores. The threshold
    is always one of the scores; sklearn's ``inf`` "nothing positive" point
    is left out, as its ``J = 0`` equals that of the lowest score
    ("everything positive"). ``J`` is compared as the integer
    ``J * P * N = TP * N - FP * P``, so that equal ``J`` (e.g. ``2/3 - 0``
    and ``1 - 1/3``) tie exactly; ties go to the highest threshold, i.e. the
    fewest positive predictions.
    """
    tp = np.rint(tpr[1:] * num_pos).astype(np.int64)  # [0] is sklearn's inf
    fp = np.rint(fpr[1:] * num_neg).astype(np.int64)
    return float(thresholds[1:][np.argmax(tp * num_neg - fp * num_pos)])


@dataclass(frozen=True)
class OperatingPoint:
    """Confusion counts and rates at one threshold.

    Attributes:
        threshold (float): Predict positive when ``score >= threshold``.
        tp, fn, tn, fp (int): Confusion counts (see :func:`confusion_at`).
        acc, sensitivity, specificity (float): Rates in [0, 1] (see
            :func:`rates_from_confusion`).
    """
    threshold: float
    tp: int
    fn: int
    tn: int
    fp: int
    acc: float
    sensitivity: float
    specificity: float

    @classmethod
    def at(cls, scores: np.ndarray, labels: np.ndarray,
           threshold: float) -> 'OperatingPoint':
        """Counts and rates of ``scores``/``labels`` at ``threshold``."""
        counts = confusion_at(scores, labels, threshold)
        return cls(threshold, **counts, **rates_from_confusion(**counts))

    def counts(self) -> Dict[str, int]:
        """``tp``, ``fn``, ``tn``, ``fp``."""
        return dict(tp=self.tp, fn=self.fn, tn=self.tn, fp=self.fp)

    def rates(self) -> Dict[str, float]:
        """``acc``, ``sensitivity``, ``specificity``."""
        return dict(acc=self.acc, sensitivity=self.sensitivity,
                    specificity=self.specificity)


@dataclass(frozen=True)
class RocAnalysis:
    """The ROC curve of binary scores and its operating points.

    Attributes:
        fpr (np.ndarray): False positive rate at each distinct score, from
            0 (nothing positive) to 1, ``[M]``.
        tpr (np.ndarray): True positive rate at the same thresholds, ``[M]``.
        auc (float): Area under the curve
            (:func:`sklearn.metrics.roc_auc_score`).
        points (dict[str, OperatingPoint]): ``'youden'``, the threshold that
            maximises the Youden index, and the named fixed thresholds asked
            for, in that order.
    """
    fpr: np.ndarray
    tpr: np.ndarray
    auc: float
    points: Dict[str, OperatingPoint]

    @property
    def youden(self) -> OperatingPoint:
        """The Youden operating point (the paper's, Tables 1-2)."""
        return self.points['youden']


def roc_analysis(scores: Sequence[float],
                 labels: Sequence[int],
                 threshold: Optional[float] = None) -> RocAnalysis:
    """AUC, the Youden threshold and the rates at it (and at a fixed one).

    The paper reports AUC, and ACC, sensitivity and specificity at the
    threshold that maximises the Youden index ``J = sensitivity +
    specificity - 1`` (captions of Tables 1 and 2). That threshold is chosen
    on the scored data itself, so the rates are optimistic; a ``threshold``
    fixed in advance (e.g. the Youden threshold of the validation set) gives
    the honest ones.

    Args:
        scores (Sequence[float]): Positive-class scores, shape ``[N]``.
        labels (Sequence[int]): 1 for positive, 0 for negative, ``[N]``.
        threshold (float, optional): A fixed threshold, in the units of
            ``scores``; its operating point is ``points['fixed']``.
            Defaults to None.

    Returns:
        RocAnalysis: The curve, the AUC and the operating points.

    Raises:
        ValueError: If the labels are not 0/1 or hold a single class, or a
            score is not finite.
    """
    scores, labels = as_binary(scores, labels)
    check_both_classes(labels)
    fpr, tpr, roc_thresholds = roc_curve(
        labels, scores, drop_intermediate=False)
    thresholds = dict(youden=_youden_from_roc(
        fpr, tpr, roc_thresholds, int(labels.sum()), int((~labels).sum())))
    if threshold is not None:
        thresholds['fixed'] = threshold
    return RocAnalysis(
        fpr=fpr,
        tpr=tpr,
        auc=float(roc_auc_score(labels, scores)),
        points={
            name: OperatingPoint.at(scores, labels, thr)
            for name, thr in thresholds.items()
        })
