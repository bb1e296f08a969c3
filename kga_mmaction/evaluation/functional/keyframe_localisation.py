"""Do a video's most attended frames show the lesion? (keyframe
localisation: frame attention against the annotated lesion area)."""
from typing import Sequence

import numpy as np

from .frame_ranking import top_k_frames


def top_k_overlap(weights: Sequence[float], areas: Sequence[float],
                  k: int) -> float:
    """Share of the ``k`` most attended frames that are among the ``k``
    frames with the largest lesion area.

    The ``k`` most attended frames are :func:`top_k_frames` of ``weights``
    (equal weights: the earlier frame first). Ties in area count in the
    frame's favour: a frame is among the ``k`` largest if its area is at
    least the ``k``-th largest area, so more than ``k`` frames may qualify.
    ``k`` is clipped to the ``T`` frames (with ``k >= T`` every frame
    qualifies and the overlap is 1).

    Args:
        weights (Sequence[float]): Attention weight of each frame, ``[T]``.
        areas (Sequence[float]): Lesion area of each frame, ``[T]`` (0 for
            a frame without a lesion box).
        k (int): How many frames to compare.

    Returns:
        float: The overlap in [0, 1]; NaN if the weights or the areas are
        constant over the frames (no frame is ranked above another, e.g. a
        model without attention, or a single frame), as for
        :func:`~.correlation.pearson_r`.

    Raises:
        ValueError: If ``k < 1`` or the two differ in length.
    """
    if k < 1:
        raise ValueError(f'k must be >= 1, got {k}')
    weights = np.asarray(weights, dtype=np.float64).reshape(-1)  # [T]
    areas = np.asarray(areas, dtype=np.float64).reshape(-1)  # [T]
    if len(weights) != len(areas):
        raise ValueError(f'{len(weights)} frame weights but {len(areas)} '
                         'lesion areas')
    if len(weights) < 2 or np.ptp(weights) == 0 or np.ptp(areas) == 0:
        return float('nan')
    k = min(k, len(weights))
    kth_largest_area = np.sort(areas)[-k]
    attended = top_k_frames(weights, k)  # [k]
    return float(np.mean(areas[attended] >= kth_largest_area))
