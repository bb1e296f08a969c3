"""The prediction for one video (scores, frame weights, center distances,
the lesion area of each frame) and its record in a prediction file.

:class:`VideoPrediction` owns these fields and every conversion of them:

* :meth:`~VideoPrediction.from_sample` -- from a predicted
  ``ActionDataSample`` (:func:`~kga_mmaction.apis.predict_video` and
  :class:`~kga_mmaction.evaluation.DumpPredictions`, i.e.
  ``tools/test.py --out-predictions``);
* :meth:`~VideoPrediction.to_record` -- to one record of a prediction file
  (:data:`RECORD_FIELDS`), which ``DumpPredictions`` writes as a JSON
  object or a CSV row;
* :meth:`~VideoPrediction.from_record` -- back, as
  :func:`~kga_mmaction.evaluation.load_predictions` reads each video of the
  file;
* :meth:`~VideoPrediction.to_data_sample` -- to the sample a metric's
  ``process`` reads.
"""
from dataclasses import dataclass, fields, replace
from typing import Any, Dict, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.structures import BaseDataElement
from scipy.special import softmax

from .functional import (normalised_frame_weights, positive_log_odds,
                         reweighted_logits)
from .predicted_sample import frame_lesion_areas_of, video_id_of

#: Record fields with one value per video, in file order.
SCALAR_FIELDS = ('index', 'video_id', 'frame_dir', 'filename', 'gt_label',
                 'pred_label', 'positive_score', 'log_odds')
#: Record fields with a list per video (``[K]`` or ``[T]``): in a CSV file,
#: one cell each.
LIST_FIELDS = ('pred_score', 'pred_logits', 'frame_inds', 'frame_weights',
               'frame_lesion_areas')
#: ``[T, K]`` record fields: in a CSV file, K columns ``<field>_<k>`` each.
MATRIX_FIELDS = ('frame_scores', 'center_distances', 'frame_video_logits')
#: Every field of a record, in file order.
RECORD_FIELDS = (*SCALAR_FIELDS, *LIST_FIELDS, *MATRIX_FIELDS)
#: Fields whose values must be finite for a diagnosis to be reported.
FINITE_FIELDS = ('pred_score', 'pred_logits', 'frame_weights',
                 'frame_scores', 'frame_video_logits', 'center_distances')


def to_plain(value: Any) -> Any:
    """A tensor or array as (nested) Python lists of int/float; else as is.

    float32 values become the shortest decimal that reads back as the same
    float32 (``0.3``, not ``0.30000001192092896``).

    Args:
        value (Any): A tensor, array, numpy scalar, None or a plain value.

    Returns:
        Any: Nested lists for arrays and tensors (a number for 0-d ones and
        numpy scalars), else ``value``.
    """
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        if value.dtype in (torch.float16, torch.bfloat16):  # e.g. AMP
            value = value.float()
        value = value.numpy()
    if isinstance(value, np.generic):
        value = np.asarray(value)
    if not isinstance(value, np.ndarray):
        return value
    if value.dtype == np.float32:
        # str(np.float32) is the shortest decimal that reads back the same
        short = np.array([float(str(v)) for v in value.ravel()],
                         dtype=object)
        return short.reshape(value.shape).tolist()
    return value.tolist()


def _to_numpy(value: Any, dtype: Optional[type] = None
              ) -> Optional[np.ndarray]:
    """A tensor (on any device; half precision as float32) or array-like as
    an array; None stays None."""
    if value is None:
        return None
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        if value.dtype in (torch.float16, torch.bfloat16):
            value = value.float()
        value = value.numpy()
    return np.asarray(value, dtype=dtype)


def _to_array(value: Union[None, str, list]) -> Optional[np.ndarray]:
    """A (nested) JSON list or a CSV cell of space-separated numbers as a
    float64 array; None for a missing value or an empty cell."""
    if isinstance(value, str):
        value = value.split() or None
    if value is None:
        return None
    return np.asarray(value, dtype=np.float64)


def _to_int(value: Any) -> Optional[int]:
    """A label or index (a tensor ``[1]``, a number or a CSV cell) as an
    int; None for a missing value or an empty cell."""
    if isinstance(value, str):
        return int(value) if value else None
    return None if value is None else int(_to_numpy(value).reshape(-1)[0])


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

    @classmethod
    def from_sample(cls, sample: Union[BaseDataElement, Dict[str, Any]]
                    ) -> 'VideoPrediction':
        """What a recognizer predicted for one video.

        Args:
            sample (ActionDataSample | dict): As the recognizer's
                ``predict`` returns it, or as a metric's ``process`` gets it
                (a dict: metainfo and data fields side by side).

        Returns:
            VideoPrediction: Tensors as CPU arrays of their dtype (half
            precision as float32); ``video_id`` as :func:`video_id_of`
            finds it; ``frame_lesion_areas`` as
            :func:`frame_lesion_areas_of` picks them; ``pred_label`` the
            sample's, else the argmax of ``pred_score``; ``index`` unset.
        """
        if isinstance(sample, BaseDataElement):
            sample = sample.to_dict()
        pred_score = _to_numpy(sample['pred_score']).reshape(-1)  # [K]
        pred_label = _to_int(sample.get('pred_label'))
        return cls(
            pred_score=pred_score,
            pred_label=(int(np.argmax(pred_score)) if pred_label is None else
                        pred_label),
            video_id=video_id_of(sample),
            gt_label=_to_int(sample.get('gt_label')),
            pred_logits=_to_numpy(sample.get('pred_logits')),
            frame_inds=_to_numpy(sample.get('frame_inds'), np.int64),
            frame_weights=_to_numpy(sample.get('frame_weights')),
            frame_scores=_to_numpy(sample.get('frame_scores')),
            frame_video_logits=_to_numpy(sample.get('frame_video_logits')),
            center_distances=_to_numpy(sample.get('center_distances')),
            frame_lesion_areas=frame_lesion_areas_of(sample),
            frame_dir=sample.get('frame_dir'),
            filename=sample.get('filename'))

    def to_record(self, positive_class: int = 1) -> Dict[str, Any]:
        """The video's record in a prediction file: every field of
        :data:`RECORD_FIELDS`, in that order, as plain numbers and lists
        (:func:`to_plain`), None where the model gave none.

        * ``index``: position of the video in the test set.
        * ``video_id``, ``frame_dir``, ``filename``: the video, and where
          the analysis tools re-read its frames (metainfo kept when listed
          in ``PackActionInputs(meta_keys=...)``).
        * ``gt_label``: the label; ``pred_label``: the prediction.
        * ``positive_score``: ``pred_score[positive_class]``;
          ``pred_score``: the scores of all K classes; ``pred_logits``: the
          K logits, for heads that store them (KGA-Net's does).
        * ``log_odds``: the positive class's log-odds from ``pred_logits``
          (float64; it orders videos whose ``positive_score`` rounds to
          1.0).
        * ``frame_inds``: the frame indices used, as the decoder read them
          (a frame folder's ``start_index`` included; needs ``'frame_inds'``
          in ``meta_keys``).
        * ``frame_lesion_areas`` ``[T]``: the annotated lesion area of each
          frame used (needs ``'lesion_areas'`` and ``'frame_inds'`` in
          ``meta_keys``), for
          :class:`~kga_mmaction.evaluation.KeyframeLocalisationMetric`.
        * ``frame_weights`` ``[T]``, ``frame_scores`` ``[T, K]``,
          ``center_distances`` ``[T, K]`` and ``frame_video_logits``
          ``[T, K]``: stored by KGA-Net's :class:`FrameAttentionHead`
          (attention weight, frame class probabilities, distance of each
          frame to each class center, and the video classifier's logits of
          each frame alone, which :meth:`reweighted` rescores the video
          with).

        Args:
            positive_class (int): Class whose score is ``positive_score``.
                Defaults to 1 (malignant).

        Returns:
            dict: Field -> value, JSON-ready.

        Raises:
            ValueError: If ``positive_class`` is not a class of
                ``pred_score``.
        """
        if not 0 <= positive_class < len(self.pred_score):
            raise ValueError(f'positive_class={positive_class} but '
                             f'pred_score has {len(self.pred_score)} classes')
        derived = dict(
            positive_score=to_plain(self.pred_score[positive_class]),
            log_odds=(None if self.pred_logits is None else
                      positive_log_odds(self.pred_logits, positive_class)))
        return {
            name: derived[name] if name in derived else to_plain(
                getattr(self, name))
            for name in RECORD_FIELDS
        }

    @classmethod
    def from_record(cls, record: Dict[str, Any],
                    position: int = 0) -> 'VideoPrediction':
        """A video's record read back (:meth:`to_record`).

        Args:
            record (dict): As the JSON file holds it, or a CSV row with each
                ``[T, K]`` field gathered from its K columns (cells as
                text; an empty one is a missing value). Fields it lacks
                (e.g. ``frame_video_logits`` of an older dump) are None;
                ``positive_score`` and ``log_odds`` are not read.
            position (int): The record's position in its file: the
                ``index`` when the record has none. Defaults to 0.

        Returns:
            VideoPrediction: Arrays as float64 (``frame_inds`` as int64).

        Raises:
            ValueError: If the record has no ``pred_score``.
        """
        pred_score = _to_array(record.get('pred_score'))
        if pred_score is None:
            raise ValueError(f'record {position} has no pred_score; is '
                             'this a DumpPredictions file?')
        pred_label = _to_int(record.get('pred_label'))
        frame_inds = _to_array(record.get('frame_inds'))
        index = _to_int(record.get('index'))
        return cls(
            pred_score=pred_score,
            pred_label=(int(np.argmax(pred_score)) if pred_label is None else
                        pred_label),
            video_id=record.get('video_id') or None,
            gt_label=_to_int(record.get('gt_label')),
            pred_logits=_to_array(record.get('pred_logits')),
            frame_inds=(None if frame_inds is None else
                        frame_inds.astype(np.int64)),
            frame_weights=_to_array(record.get('frame_weights')),
            frame_scores=_to_array(record.get('frame_scores')),
            frame_video_logits=_to_array(record.get('frame_video_logits')),
            center_distances=_to_array(record.get('center_distances')),
            frame_lesion_areas=_to_array(record.get('frame_lesion_areas')),
            frame_dir=record.get('frame_dir') or None,
            filename=record.get('filename') or None,
            index=position if index is None else index)

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
