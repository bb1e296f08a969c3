"""The prediction for one video: scores, frame weights, center distances
and the lesion area of each frame.

:func:`~kga_mmaction.apis.predict_video` returns one for a single video;
:func:`~kga_mmaction.evaluation.load_predictions` reads one per test video
back from the file that :class:`~kga_mmaction.evaluation.DumpPredictions`
(``tools/test.py --out-predictions``) wrote.
"""
from dataclasses import dataclass, fields, replace
from typing import Any, Dict, Optional, Tuple

import numpy as np
import torch
from scipy.special import softmax

from .functional import normalised_frame_weights, reweighted_logits

#: Fields whose values must be finite for a diagnosis to be reported.
FINITE_FIELDS = ('pred_score', 'pred_logits', 'frame_weights',
                 'frame_scores', 'frame_video_logits', 'center_distances')


class NonFiniteScoreError(ValueError):
    """The model gave NaN or infinite outputs for a video, so no diagnosis
    can be reported from them (its weights are usually non-finite: a
    diverged run)."""


@dataclass
class VideoPrediction:
    """What the model predicted for one video.

    Attributes:
        pred_score (np.ndarray): Class probabilities, ``[K]``.
        pred_label (int): Predicted class.
        video_id (str, optional): Video name.
        gt_label (int, optional): Ground-truth class; None if unknown.
        pred_logits (np.ndarray, optional): Class logits, ``[K]``.
        frame_inds (np.ndarray, optional): Index of each sampled frame,
            ``[T]``, as the decoder reads it (a frame folder's
            ``start_index`` included).
        frame_weights (np.ndarray, optional): Attention weight per frame,
            ``[T]``.
        frame_scores (np.ndarray, optional): Frame classifier
            probabilities, ``[T, K]``.
        frame_video_logits (np.ndarray, optional): Video classifier logits
            of each frame alone, ``[T, K]``; they score other frame
            weights offline (:meth:`reweighted`).
        center_distances (np.ndarray, optional): L2 distance of each frame
            feature to each class center, ``[T, K]`` (None without
            centers).
        frame_lesion_areas (np.ndarray, optional): Annotated lesion area
            of each sampled frame, ``[T]`` (0 for a frame without a box).
        frame_dir (str, optional): The video's frame folder.
        filename (str, optional): The video's file.
        index (int, optional): Position in the test set.
    """
    pred_score: np.ndarray
    pred_label: int
    video_id: Optional[str] = None
    gt_label: Optional[int] = None
    pred_logits: Optional[np.ndarray] = None
    frame_inds: Optional[np.ndarray] = None
    frame_weights: Optional[np.ndarray] = None
    frame_scores: Optional[np.ndarray] = None
    frame_video_logits: Optional[np.ndarray] = None
    center_distances: Optional[np.ndarray] = None
    frame_lesion_areas: Optional[np.ndarray] = None
    frame_dir: Optional[str] = None
    filename: Optional[str] = None
    index: Optional[int] = None

    @property
    def source(self) -> str:
        """The frame folder or file, else the video id, else the index."""
        for name in ('frame_dir', 'filename', 'video_id'):
            if getattr(self, name):
                return str(getattr(self, name))
        return f'#{self.index}'

    def check_finite(self) -> None:
        """Raise unless every score, weight and distance is finite.

        Raises:
            NonFiniteScoreError: Naming :attr:`source` and the first field
                that holds NaN or inf.
        """
        for name in FINITE_FIELDS:
            values = getattr(self, name)
            if values is not None and not np.isfinite(values).all():
                kind = 'scores' if name == 'pred_score' else name
                raise NonFiniteScoreError(
                    f'{self.source}: the model gave non-finite {kind} '
                    f'({np.asarray(values).ravel()[:4].tolist()}...); no '
                    'diagnosis is reported. The checkpoint probably holds '
                    'NaN or inf weights (a diverged run?).')

    def own_center_distances(self) -> Tuple[np.ndarray, bool]:
        """Distance of each frame to its video's class center (eq. 2).

        Returns:
            tuple[np.ndarray, bool]: The distances ``[T]``, and whether the
            class is the ground truth (True) or, the label being unknown,
            the predicted class (False).

        Raises:
            ValueError: If the model has no class centers.
        """
        if self.center_distances is None:
            raise ValueError(f'{self.source}: no center distances (the '
                             'model has no loss_center in its head)')
        known = self.gt_label is not None
        cls = self.gt_label if known else self.pred_label
        return self.center_distances[:, cls], known

    def reweighted(self, weights: np.ndarray) -> 'VideoPrediction':
        """The prediction with other frame weights, from the same features.

        Its ``pred_logits`` are ``sum_i a_i frame_video_logits_i``
        (:func:`~kga_mmaction.evaluation.functional.reweighted_logits`:
        ``a`` is ``weights`` normalised to sum 1, uniform where they sum
        to 0), ``pred_score`` their softmax, ``pred_label`` their argmax
        and ``frame_weights`` the normalised ``a``; every other field is
        kept. Exact because the video classifier is linear.

        Args:
            weights (np.ndarray): Non-negative weight of each frame,
                ``[T]``.

        Returns:
            VideoPrediction: The reweighted copy.

        Raises:
            ValueError: If there are no ``frame_video_logits`` (a dump of
                an older version or of a model without
                ``FrameAttentionHead``), or the weights do not fit them.
        """
        if self.frame_video_logits is None:
            raise ValueError(
                f'{self.source}: no frame_video_logits to reweight the '
                'frames with; dump the predictions again with '
                'tools/test.py --out-predictions (FrameAttentionHead '
                'stores them)')
        try:
            logits = reweighted_logits(self.frame_video_logits, weights)
            normalised = normalised_frame_weights(weights)
        except ValueError as err:
            raise ValueError(f'{self.source}: {err}') from None
        return replace(self, pred_logits=logits, pred_score=softmax(logits),
                       pred_label=int(np.argmax(logits)),
                       frame_weights=normalised)

    def to_data_sample(self) -> Dict[str, Any]:
        """The predicted sample a metric's ``process`` reads.

        Scores and logits become float32 tensors again, the dtype the head
        gave and :class:`DumpPredictions` wrote, so that a metric computed
        from them equals the one computed at test time.

        Returns:
            dict: ``pred_score``, ``gt_label`` and every field that is set.

        Raises:
            ValueError: If the ground truth is unknown.
        """
        if self.gt_label is None:
            raise ValueError(f'{self.source}: no ground-truth label; '
                             'metrics need labelled videos')
        sample: Dict[str, Any] = dict(
            gt_label=torch.tensor([self.gt_label]),
            pred_label=torch.tensor([self.pred_label]))
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name in ('gt_label', 'pred_label') or value is None:
                continue
            if isinstance(value, np.ndarray) and value.dtype.kind == 'f':
                value = torch.from_numpy(value.astype(np.float32))
            sample[field.name] = value
        return sample
