"""Prediction files of several runs as one set of test videos, and two
models' scores paired video by video.

Cross-validation tests each video once, in the fold that left it out:
:func:`pool_predictions` concatenates the folds' predictions into the
out-of-fold set. A paired comparison of two models (the DeLong test,
:func:`~kga_mmaction.evaluation.functional.delong_test`) needs both models'
scores of the SAME videos in the same order: :func:`paired_scores` matches
them by video id.
"""
from collections import Counter
from typing import List, Sequence, Tuple

import numpy as np

from .functional import positive_log_odds, ranking_scores
from .video_prediction import VideoPrediction

#: How many video ids an error message lists.
MAX_LISTED_VIDEOS = 5


def _listed(video_ids: Sequence[str]) -> str:
    """A few video ids for an error message."""
    ids = sorted(video_ids)
    more = (f' and {len(ids) - MAX_LISTED_VIDEOS} more'
            if len(ids) > MAX_LISTED_VIDEOS else '')
    return ', '.join(ids[:MAX_LISTED_VIDEOS]) + more


def _video_ids(predictions: Sequence[VideoPrediction]) -> List[str]:
    """The video id of every prediction.

    Raises:
        ValueError: If a prediction has no video id, or an id repeats.
    """
    ids = [p.video_id for p in predictions]
    unnamed = [p.source for p, i in zip(predictions, ids) if not i]
    if unnamed:
        raise ValueError(
            f'predictions without video_id ({_listed(unnamed)}): list '
            "'video_id' in the test pipeline's PackActionInputs(meta_keys="
            '...) to pair or pool them')
    repeated = [i for i, n in Counter(ids).items() if n > 1]
    if repeated:
        raise ValueError(f'videos predicted more than once: '
                         f'{_listed(repeated)}')
    return ids


def pool_predictions(
    prediction_sets: Sequence[Sequence[VideoPrediction]]
) -> List[VideoPrediction]:
    """The predictions of several runs (e.g. the folds) as one set.

    Args:
        prediction_sets (Sequence[Sequence[VideoPrediction]]): One list of
            predictions per run, on disjoint videos.

    Returns:
        list[VideoPrediction]: All of them, run after run.

    Raises:
        ValueError: If a video is in two sets or a prediction has no
            video id.
    """
    pooled = [p for predictions in prediction_sets for p in predictions]
    _video_ids(pooled)
    return pooled


def ranked_scores(predictions: Sequence[VideoPrediction],
                  positive_class: int = 1
                  ) -> Tuple[List[str], np.ndarray, np.ndarray]:
    """Video ids, the scores that rank them, and their labels.

    The scores are those :class:`~kga_mmaction.evaluation.
    BinaryDiagnosisMetric` ranks by (:func:`~kga_mmaction.evaluation.
    functional.ranking_scores`): the positive-class log-odds when every
    video has logits, else the positive-class probability.

    Args:
        predictions (Sequence[VideoPrediction]): Labelled predictions.
        positive_class (int): The positive (malignant) class.
            Defaults to 1.

    Returns:
        tuple: Video ids ``[N]``, scores ``[N]`` (float64) and labels
        ``[N]`` (1 positive, 0 negative).

    Raises:
        ValueError: If a prediction has no video id or no label, or an id
            repeats.
    """
    ids = _video_ids(predictions)
    unlabelled = [p.source for p in predictions if p.gt_label is None]
    if unlabelled:
        raise ValueError(f'predictions without gt_label: '
                         f'{_listed(unlabelled)}')
    scores, _ = ranking_scores(
        [p.pred_score[positive_class] for p in predictions],
        [None if p.pred_logits is None else positive_log_odds(
            p.pred_logits, positive_class) for p in predictions])
    labels = np.array(
        [int(p.gt_label == positive_class) for p in predictions])
    return ids, scores, labels


def paired_scores(predictions_a: Sequence[VideoPrediction],
                  predictions_b: Sequence[VideoPrediction],
                  positive_class: int = 1
                  ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two models' scores of the same videos, matched by video id.

    Args:
        predictions_a (Sequence[VideoPrediction]): Model A's predictions.
        predictions_b (Sequence[VideoPrediction]): Model B's, in any order.
        positive_class (int): The positive (malignant) class.
            Defaults to 1.

    Returns:
        tuple: ``(scores_a, scores_b, labels)``, each ``[N]``, in A's
        order (see :func:`ranked_scores` for the scores); the arguments of
        :func:`~kga_mmaction.evaluation.functional.delong_test`.

    Raises:
        ValueError: If the two sets of videos differ (naming some of the
            videos only one holds) or a video's label differs between them.
    """
    ids_a, scores_a, labels_a = ranked_scores(predictions_a, positive_class)
    ids_b, scores_b, labels_b = ranked_scores(predictions_b, positive_class)
    if set(ids_a) != set(ids_b):
        raise ValueError(
            'the two models were tested on different videos: only the first '
            f'has {_listed(set(ids_a) - set(ids_b)) or "none"}; only the '
            f'second has {_listed(set(ids_b) - set(ids_a)) or "none"}')
    position_b = {video_id: k for k, video_id in enumerate(ids_b)}
    order = np.array([position_b[i] for i in ids_a], dtype=np.int64)  # [N]
    mislabelled = [i for i, y, o in zip(ids_a, labels_a, order)
                   if labels_b[o] != y]
    if mislabelled:
        raise ValueError(f'videos labelled differently in the two sets: '
                         f'{_listed(mislabelled)}')
    return scores_a, scores_b[order], labels_a
