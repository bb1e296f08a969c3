"""A video scored offline with other frame weights.

The video classifier ``fc_cls`` is linear and has no dropout at test time,
so for weights ``a_i`` that sum to 1, ``fc_cls(sum_i a_i F_i) = sum_i a_i
fc_cls(F_i)``: from the per-frame logits ``fc_cls(F_i)`` that
:class:`~kga_mmaction.models.FrameAttentionHead` stores
(``frame_video_logits``), any normalised reweighting of a video's frames --
the annotated lesion areas (an oracle), the model's own attention, uniform
weights -- is scored exactly, without running the model again.
"""
from typing import Sequence, Union

import numpy as np
import torch

from .log_odds import positive_log_odds

ArrayLike = Union[np.ndarray, torch.Tensor, Sequence]


def _float64(values: ArrayLike) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().double()
    return np.asarray(values, dtype=np.float64)


def normalised_frame_weights(weights: ArrayLike) -> np.ndarray:
    """Frame weights scaled to sum to 1; uniform if they sum to 0.

    A video whose weights are all 0 (e.g. lesion areas of a video with no
    annotated box among its sampled frames) gets the uniform weights: the
    frame average, the score of the frame-averaging model, rather than no
    score.

    Args:
        weights (ArrayLike): Non-negative weight of each frame, ``[T]``.

    Returns:
        np.ndarray: float64 weights that sum to 1, ``[T]``.

    Raises:
        ValueError: If there are no frames, or a weight is negative or not
            finite.
    """
    w = _float64(weights).reshape(-1)  # [T]
    if not w.size:
        raise ValueError('no frames to weigh')
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError(f'frame weights must be finite and >= 0, got '
                         f'{w.tolist()}')
    total = w.sum()
    return w / total if total > 0 else np.full_like(w, 1 / w.size)


def reweighted_logits(frame_video_logits: ArrayLike,
                      weights: ArrayLike) -> np.ndarray:
    """The video logits of the frames weighted by ``weights``, normalised.

    ``sum_i a_i z_i`` with ``a = normalised_frame_weights(weights)`` and
    ``z_i = fc_cls(F_i)``: equal to ``fc_cls(sum_i a_i F_i)``.

    Args:
        frame_video_logits (ArrayLike): Video-classifier logits of each
            frame alone, ``[T, K]``.
        weights (ArrayLike): Weight of each frame, ``[T]``
            (:func:`normalised_frame_weights`).

    Returns:
        np.ndarray: float64 logits, ``[K]``.

    Raises:
        ValueError: If the logits are not ``[T, K]`` for the ``T`` weights,
            or the weights are invalid (:func:`normalised_frame_weights`).
    """
    z = _float64(frame_video_logits)  # [T, K]
    a = normalised_frame_weights(weights)  # [T]
    if z.ndim != 2 or z.shape[0] != a.size:
        raise ValueError(f'frame_video_logits of shape {z.shape} do not '
                         f'match {a.size} frame weights; expected '
                         f'[{a.size}, K]')
    return a @ z  # [T] @ [T, K] -> [K]


def reweighted_log_odds(frame_video_logits: ArrayLike,
                        weights: ArrayLike,
                        positive_class: int = 1) -> float:
    """Log-odds of the positive class of :func:`reweighted_logits`.

    Args:
        frame_video_logits (ArrayLike): ``[T, K]``.
        weights (ArrayLike): ``[T]``; uniform where they sum to 0.
        positive_class (int): The positive (malignant) class.
            Defaults to 1.

    Returns:
        float: ``positive_log_odds(reweighted_logits(...))``.
    """
    return positive_log_odds(
        reweighted_logits(frame_video_logits, weights), positive_class)
