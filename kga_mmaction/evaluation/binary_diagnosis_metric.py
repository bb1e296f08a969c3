"""Benign/malignant diagnosis metrics of KGA-Net (MICCAI 2023, Tables 1-2).

The paper reports AUC, and ACC, sensitivity and specificity at the
threshold that maximises the Youden index ``J = sensitivity + specificity
- 1`` on the test set itself ("Classification thresholds are determined by
Youden index", captions of Tables 1 and 2). That threshold is chosen on the
data it is scored on, so the numbers are optimistic; the honest protocol
fixes a threshold beforehand (e.g. the Youden threshold of the validation
set) and reports the same numbers at it. :class:`BinaryDiagnosisMetric`
reports both.

Conventions shared by every function here:

* ``scores`` is the score of the positive (malignant) class, higher meaning
  more likely positive; ``labels`` is 1/True for a positive sample, 0/False
  for a negative one.
* A sample is predicted positive when ``score >= threshold``.
* Rates are fractions in [0, 1], not percent: multiply by 100 to compare
  with the paper's tables.
"""
from typing import (Any, Callable, Dict, List, Optional, Sequence, Tuple,
                    Union)

import numpy as np
import torch
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric
from scipy.special import expit, logit, logsumexp
from sklearn.metrics import auc as area_under_curve
from sklearn.metrics import roc_auc_score, roc_curve

Statistic = Callable[[np.ndarray, np.ndarray], Dict[str, float]]


def _as_binary(scores: Sequence[float],
               labels: Sequence[int]) -> Tuple[np.ndarray, np.ndarray]:
    """Check and convert ``scores``/``labels`` to float and bool arrays."""
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


def _check_both_classes(labels: np.ndarray) -> None:
    """Raise ``ValueError`` unless ``labels`` holds positives and negatives."""
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
    scores, labels = _as_binary(scores, labels)
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


def youden_threshold(scores: Sequence[float],
                     labels: Sequence[int]) -> float:
    """Threshold that maximises the Youden index (paper, Tables 1-2).

    ``J(t) = sensitivity(t) + specificity(t) - 1 = TPR(t) - FPR(t)`` over the
    ROC thresholds of :func:`sklearn.metrics.roc_curve`, i.e. the distinct
    scores. The returned threshold is always one of the scores (a sample
    with exactly this score is predicted positive); sklearn's ``inf``
    "nothing positive" point is left out, as its ``J = 0`` equals that of
    the lowest score ("everything positive"). Ties go to the highest
    threshold, i.e. the fewest positive predictions.

    Args:
        scores (Sequence[float]): Positive-class scores, shape ``[N]``.
        labels (Sequence[int]): 1 for positive, 0 for negative, ``[N]``.

    Returns:
        float: The threshold ``t``; predict positive when ``score >= t``.

    Raises:
        ValueError: If ``labels`` holds a single class.
    """
    scores, labels = _as_binary(scores, labels)
    _check_both_classes(labels)
    return _youden_from_roc(
        *roc_curve(labels, scores, drop_intermediate=False),
        num_pos=int(labels.sum()), num_neg=int((~labels).sum()))


def _youden_from_roc(fpr: np.ndarray, tpr: np.ndarray,
                     thresholds: np.ndarray, num_pos: int,
                     num_neg: int) -> float:
    """Youden threshold from a full ``roc_curve`` (see above).

    ``J`` is compared as the integer ``J * P * N = TP * N - FP * P``, so
    that equal ``J`` (e.g. ``2/3 - 0`` and ``1 - 1/3``) tie exactly.
    """
    tp = np.rint(tpr[1:] * num_pos).astype(np.int64)  # [0] is sklearn's inf
    fp = np.rint(fpr[1:] * num_neg).astype(np.int64)
    return float(thresholds[1:][np.argmax(tp * num_neg - fp * num_pos)])


def positive_log_odds(logits: Union[torch.Tensor, Sequence[float]],
                      positive_class: int) -> float:
    """Log-odds of the positive class from class logits, in float64.

    ``log p_pos - log(1 - p_pos) = z_pos - logsumexp(z_other)`` for the
    softmax ``p`` of the logits ``z``. Unlike the probability, it keeps
    videos apart whose probabilities round to 1.0 (or 0.0).

    Args:
        logits (torch.Tensor | Sequence[float]): Logits of the K classes,
            ``[K]``.
        positive_class (int): Index of the positive class.

    Returns:
        float: The log-odds; ``+-inf`` only for infinite logits.
    """
    z = (logits.detach().cpu().double().numpy() if isinstance(
        logits, torch.Tensor) else np.asarray(logits, dtype=np.float64))
    z = z.reshape(-1)
    if not 0 <= positive_class < z.size:
        raise ValueError(f'positive_class={positive_class} but the logits '
                         f'have {z.size} classes')
    others = np.delete(z, positive_class)
    return float(z[positive_class] - logsumexp(others))


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
    scores, labels = _as_binary(scores, labels)
    _check_both_classes(labels)
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


def diagnosis_statistics(scores: Sequence[float], labels: Sequence[int],
                         threshold: Optional[float] = None
                         ) -> Dict[str, float]:
    """AUC and the rates at the Youden and (optionally) a fixed threshold.

    One ROC curve gives the AUC (trapezoidal area, equal to
    :func:`sklearn.metrics.roc_auc_score`) and the Youden threshold; this
    is what :class:`BinaryDiagnosisMetric` bootstraps.

    Args:
        scores (Sequence[float]): Positive-class scores, shape ``[N]``.
        labels (Sequence[int]): 1 for positive, 0 for negative, ``[N]``.
        threshold (float, optional): A fixed threshold. Defaults to None.

    Returns:
        dict: ``auc``, ``{acc,sensitivity,specificity}@youden`` and, with a
        fixed threshold, ``{acc,sensitivity,specificity}@fixed``.
    """
    scores, labels = _as_binary(scores, labels)
    _check_both_classes(labels)
    fpr, tpr, roc_thresholds = roc_curve(
        labels, scores, drop_intermediate=False)
    stats = dict(auc=float(area_under_curve(fpr, tpr)))
    thresholds = dict(youden=_youden_from_roc(
        fpr, tpr, roc_thresholds, int(labels.sum()), int((~labels).sum())))
    if threshold is not None:
        thresholds['fixed'] = threshold
    for name, thr in thresholds.items():
        rates = rates_from_confusion(**confusion_at(scores, labels, thr))
        stats.update({f'{k}@{name}': v for k, v in rates.items()})
    return stats


@METRICS.register_module()
class BinaryDiagnosisMetric(BaseMetric):
    """AUC, ACC, sensitivity and specificity of a benign/malignant task.

    Videos are ranked by the log-odds of the positive class, computed in
    float64 from the logits a head stores as ``pred_logits`` (KGA-Net's
    :class:`FrameAttentionHead` does): a softmax probability rounds to
    exactly 1.0 in float32 once the logit margin passes about 17, and
    ranking by such tied probabilities would lower the AUC and move the
    Youden threshold. A head without ``pred_logits`` is ranked by
    ``pred_score[positive_class]``. A video is predicted positive when its
    probability is ``>= threshold`` (its log-odds ``>= logit(threshold)``).
    Every rate is a fraction in [0, 1] (the paper prints percent). Returned
    keys, each prefixed with ``'{prefix}/'`` by mmengine (``'diagnosis/'``
    by default):

    * ``auc``: ROC AUC (:func:`sklearn.metrics.roc_auc_score`).
    * ``threshold@youden``: the Youden-index threshold of these samples
      (:func:`youden_threshold`; the paper's protocol, Tables 1-2) as a
      probability, ``log_odds_threshold@youden`` the same as log-odds, and
      at it ``acc@youden``, ``sensitivity@youden``, ``specificity@youden``
      and the counts ``tp@youden``, ``fn@youden``, ``tn@youden``,
      ``fp@youden``. Optimistic: the threshold is fit on the scored data.
    * With ``threshold`` set, the same at it: ``threshold@fixed``,
      ``log_odds_threshold@fixed``, ``acc@fixed``, ``sensitivity@fixed``,
      ``specificity@fixed``, ``tp@fixed``, ``fn@fixed``, ``tn@fixed``,
      ``fp@fixed``.
    * ``num_positive``, ``num_negative``: class counts.
    * With ``bootstrap > 0``: ``{key}_ci_low`` and ``{key}_ci_high`` for
      ``auc`` and each ``acc``/``sensitivity``/``specificity`` key above
      (percentile intervals at ``ci_level``; the Youden threshold is
      re-selected in every resample, as the point estimate selects it), and
      ``bootstrap_skipped``, the number of resamples skipped for holding a
      single class.

    Args:
        positive_class (int): Class index of the positive (malignant) class.
            Defaults to 1.
        threshold (float, optional): A probability threshold fixed in
            advance, e.g. the Youden threshold of the validation set.
            Defaults to None.
        bootstrap (int): Number of bootstrap resamples for confidence
            intervals; 0 turns them off. Defaults to 0.
        seed (int): Seed of the bootstrap. Defaults to 0.
        ci_level (float): Confidence level of the intervals.
            Defaults to 0.95.
        collect_device (str): Device used to collect results across ranks.
            Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the keys. Defaults to None, i.e.
            ``'diagnosis'``.
    """

    default_prefix: Optional[str] = 'diagnosis'

    def __init__(self,
                 positive_class: int = 1,
                 threshold: Optional[float] = None,
                 bootstrap: int = 0,
                 seed: int = 0,
                 ci_level: float = 0.95,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if positive_class < 0:
            raise ValueError(
                f'positive_class must be >= 0, got {positive_class}')
        if threshold is not None and not 0 <= threshold <= 1:
            raise ValueError(f'threshold is a probability in [0, 1], got '
                             f'{threshold}')
        if bootstrap < 0:
            raise ValueError(f'bootstrap must be >= 0, got {bootstrap}')
        if not 0 < ci_level < 1:
            raise ValueError(f'ci_level must be in (0, 1), got {ci_level}')
        self.positive_class = positive_class
        self.threshold = None if threshold is None else float(threshold)
        self.bootstrap = bootstrap
        self.seed = seed
        self.ci_level = ci_level

    @property
    def dataset_meta(self) -> Optional[dict]:
        """Meta info of the dataset, set by the loop that runs the metric."""
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: Optional[dict]) -> None:
        """Set the meta info; check its ``class_counts`` at once.

        The project's datasets (:class:`~kga_mmaction.datasets.
        CheckedActionDataset`) count their samples per class. The loop sets
        the meta info when it is built, so a split that holds one class
        fails there, before any inference, with the message
        :meth:`compute_metrics` would give at the end.

        Raises:
            ValueError: If ``class_counts`` holds positives only or
                negatives only.
        """
        counts = (dataset_meta or {}).get('class_counts')
        if counts is not None:
            positives = (counts[self.positive_class]
                         if self.positive_class < len(counts) else 0)
            if positives in (0, sum(counts)):
                raise self._single_class_error(
                    sum(counts), [c for c, n in enumerate(counts) if n])
        self._dataset_meta = dataset_meta

    def _single_class_error(self, num_samples: int,
                            present: List[int]) -> ValueError:
        """The error for targets of one class only (AUC is undefined)."""
        return ValueError(
            f'{type(self).__name__} needs positive and negative samples, '
            f'but all {num_samples} targets are class {present} '
            f'(positive_class={self.positive_class}); AUC, sensitivity '
            'and specificity are undefined')

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep the positive-class score and the label of every sample.

        Args:
            data_batch (Any): A batch from the dataloader (unused).
            data_samples (Sequence[dict]): Predicted samples, each with
                ``pred_score`` ``[K]`` and ``gt_label`` ``[1]``.
        """
        for sample in data_samples:
            score = sample['pred_score']
            if not isinstance(score, torch.Tensor):
                raise ValueError(f'pred_score must be a tensor of class '
                                 f'scores, got {type(score).__name__}')
            score = score.detach().cpu().reshape(-1)
            if self.positive_class >= score.numel():
                raise ValueError(
                    f'positive_class={self.positive_class} but pred_score '
                    f'has {score.numel()} classes')
            logits = sample.get('pred_logits')
            self.results.append(
                dict(score=float(score[self.positive_class]),
                     log_odds=(None if logits is None else positive_log_odds(
                         logits, self.positive_class)),
                     label=int(sample['gt_label'].reshape(-1)[0])))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Compute the metrics listed in the class docstring.

        Args:
            results (list[dict]): ``score`` and ``label`` of every sample.

        Returns:
            dict: The metrics, without prefix.

        Raises:
            ValueError: If the targets hold a single class.
        """
        # rank by log-odds when every sample has them, else by probability
        by_log_odds = all(r['log_odds'] is not None for r in results)
        scores = np.array(
            [r['log_odds' if by_log_odds else 'score'] for r in results],
            dtype=np.float64)
        classes = np.array([r['label'] for r in results])
        labels = classes == self.positive_class
        if labels.all() or not labels.any():
            raise self._single_class_error(
                len(classes), sorted(set(classes.tolist())))
        metrics: Dict[str, float] = dict(
            auc=float(roc_auc_score(labels, scores)),
            num_positive=int(labels.sum()),
            num_negative=int((~labels).sum()))
        fixed = (None if self.threshold is None else
                 logit(self.threshold) if by_log_odds else self.threshold)
        thresholds = dict(youden=youden_threshold(scores, labels))
        if fixed is not None:
            thresholds['fixed'] = fixed
        for name, thr in thresholds.items():
            counts = confusion_at(scores, labels, thr)
            if by_log_odds:
                metrics[f'threshold@{name}'] = float(expit(thr))
                metrics[f'log_odds_threshold@{name}'] = thr
            else:
                metrics[f'threshold@{name}'] = thr
            metrics.update({
                f'{k}@{name}': v
                for k, v in rates_from_confusion(**counts).items()
            })
            metrics.update({f'{k}@{name}': v for k, v in counts.items()})
        if self.bootstrap:
            intervals, skipped = bootstrap_ci(
                scores, labels,
                lambda s, y: diagnosis_statistics(s, y, fixed),
                num_resamples=self.bootstrap, seed=self.seed,
                level=self.ci_level)
            for key, (low, high) in intervals.items():
                metrics[f'{key}_ci_low'] = low
                metrics[f'{key}_ci_high'] = high
            metrics['bootstrap_skipped'] = skipped
        return metrics
