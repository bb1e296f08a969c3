"""Benign/malignant diagnosis metrics of KGA-Net (MICCAI 2023, Tables 1-2).

The paper reports AUC, and ACC, sensitivity and specificity at the
threshold that maximises the Youden index ``J = sensitivity + specificity
- 1`` on the test set itself ("Classification thresholds are determined by
Youden index", captions of Tables 1 and 2). That threshold is chosen on the
data it is scored on, so the numbers are optimistic; the honest protocol
fixes a threshold beforehand (e.g. the Youden threshold of the validation
set) and reports the same numbers at it. :class:`BinaryDiagnosisMetric`
reports both; the math is :func:`~kga_mmaction.evaluation.functional.
roc_analysis`. It also reports how well the malignancy probability is
calibrated (Brier score and expected calibration error,
:mod:`~kga_mmaction.evaluation.functional.calibration`), which the paper
does not.
"""
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric
from scipy.special import expit, logit

from .functional import (bootstrap_ci, brier_score,
                         expected_calibration_error, positive_log_odds,
                         positive_probabilities, ranking_scores,
                         roc_analysis)


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

    * ``auc``: ROC AUC (:func:`~kga_mmaction.evaluation.functional.
      roc_analysis`, the trapezoidal area under the ROC curve).
    * ``threshold@youden``: the Youden-index threshold of these samples
      (the paper's protocol, Tables 1-2) as a
      probability, ``log_odds_threshold@youden`` the same as log-odds, and
      at it ``acc@youden``, ``sensitivity@youden``, ``specificity@youden``
      and the counts ``tp@youden``, ``fn@youden``, ``tn@youden``,
      ``fp@youden``. Optimistic: the threshold is fit on the scored data.
    * With ``threshold`` set, the same at it: ``threshold@fixed``,
      ``log_odds_threshold@fixed``, ``acc@fixed``, ``sensitivity@fixed``,
      ``specificity@fixed``, ``tp@fixed``, ``fn@fixed``, ``tn@fixed``,
      ``fp@fixed``.
    * ``num_positive``, ``num_negative``: class counts.
    * ``brier``: the Brier score, the mean squared error of the
      positive-class probability against the 0/1 label
      (:func:`~kga_mmaction.evaluation.functional.brier_score`, as
      :func:`sklearn.metrics.brier_score_loss`).
    * ``ece``: the expected calibration error of the positive-class
      probability over ``ece_bins`` equal-width bins on [0, 1]
      (:func:`~kga_mmaction.evaluation.functional.
      expected_calibration_error`), and ``ece_bins``, that bin count, as
      the ECE depends on it.
      Both use the probability computed in float64 from the log-odds where
      every video has logits (so that a saturated float32 softmax does not
      round it to 1.0), else ``pred_score[positive_class]``.
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
        ece_bins (int): Number of equal-width probability bins of the
            expected calibration error. Defaults to 10.
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
                 ece_bins: int = 10,
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
        if ece_bins < 1:
            raise ValueError(f'ece_bins must be >= 1, got {ece_bins}')
        self.positive_class = positive_class
        self.threshold = None if threshold is None else float(threshold)
        self.bootstrap = bootstrap
        self.seed = seed
        self.ci_level = ci_level
        self.ece_bins = ece_bins

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
        pred_scores = [r['score'] for r in results]
        log_odds = [r['log_odds'] for r in results]
        scores, by_log_odds = ranking_scores(pred_scores, log_odds)
        classes = np.array([r['label'] for r in results])
        labels = classes == self.positive_class
        if labels.all() or not labels.any():
            raise self._single_class_error(
                len(classes), sorted(set(classes.tolist())))
        fixed = (None if self.threshold is None else
                 logit(self.threshold) if by_log_odds else self.threshold)
        roc = roc_analysis(scores, labels, fixed)
        metrics: Dict[str, float] = dict(
            auc=roc.auc,
            num_positive=int(labels.sum()),
            num_negative=int((~labels).sum()))
        for name, point in roc.points.items():
            if by_log_odds:
                metrics[f'threshold@{name}'] = float(expit(point.threshold))
                metrics[f'log_odds_threshold@{name}'] = point.threshold
            else:
                metrics[f'threshold@{name}'] = point.threshold
            metrics.update(
                {f'{k}@{name}': v for k, v in point.rates().items()})
            metrics.update(
                {f'{k}@{name}': v for k, v in point.counts().items()})
        probabilities = positive_probabilities(pred_scores, log_odds)  # [N]
        metrics.update(
            brier=brier_score(probabilities, labels),
            ece=expected_calibration_error(probabilities, labels,
                                           self.ece_bins),
            ece_bins=self.ece_bins)
        if self.bootstrap:
            intervals, skipped = bootstrap_ci(
                scores, labels, lambda s, y: self._rates(s, y, fixed),
                num_resamples=self.bootstrap, seed=self.seed,
                level=self.ci_level)
            for key, (low, high) in intervals.items():
                metrics[f'{key}_ci_low'] = low
                metrics[f'{key}_ci_high'] = high
            metrics['bootstrap_skipped'] = skipped
        return metrics

    @staticmethod
    def _rates(scores: np.ndarray, labels: np.ndarray,
               fixed: Optional[float]) -> Dict[str, float]:
        """What the bootstrap resamples: ``auc`` and
        ``{acc,sensitivity,specificity}@{youden,fixed}``, the Youden
        threshold selected again on the resample."""
        roc = roc_analysis(scores, labels, fixed)
        rates = dict(auc=roc.auc)
        for name, point in roc.points.items():
            rates.update({f'{k}@{name}': v for k, v in point.rates().items()})
        return rates
