"""Reading a predicted sample as a metric's ``process`` gets it (an
``ActionDataSample`` as a dict: metainfo and data fields side by side):
the video's id, the lesion area of each frame the model saw, and values as
float64."""
import os.path as osp
from typing import Any, Dict, Optional

import numpy as np
import torch


def video_id_of(sample: Dict[str, Any]) -> Optional[str]:
    """The id of a video: ``video_id``, else the basename of its source.

    Args:
        sample (dict): A predicted sample converted to a dict (metainfo and
            data fields side by side).

    Returns:
        str | None: ``video_id`` if present, else the basename of
        ``frame_dir`` or ``filename``, else None.
    """
    if sample.get('video_id') is not None:
        return str(sample['video_id'])
    for key in ('frame_dir', 'filename'):
        if sample.get(key):
            return osp.basename(osp.normpath(str(sample[key])))
    return None


def frame_lesion_areas_of(sample: Dict[str, Any]) -> Optional[np.ndarray]:
    """The lesion area of each frame the model saw.

    A sample read back from a dump holds them (``frame_lesion_areas``); at
    test time they are picked from the whole video's ``lesion_areas``
    metainfo (one per frame, by frame number, as
    :class:`~kga_mmaction.datasets.BUSVDataset` gives them) at
    ``frame_inds`` (frame numbers as the decoder reads them; BUSV frames
    start at 0).

    Args:
        sample (dict): A predicted sample converted to a dict.

    Returns:
        np.ndarray | None: float32 areas, ``[T]``; None if the sample has
        neither ``frame_lesion_areas`` nor both ``lesion_areas`` and
        ``frame_inds``.

    Raises:
        ValueError: If a frame index is outside ``lesion_areas``.
    """
    if sample.get('frame_lesion_areas') is not None:
        return np.asarray(sample['frame_lesion_areas'], dtype=np.float32)
    if sample.get('lesion_areas') is None or sample.get('frame_inds') is None:
        return None
    areas = np.asarray(sample['lesion_areas'], dtype=np.float32)  # [frames]
    inds = np.asarray(sample['frame_inds'], dtype=np.int64).reshape(-1)  # [T]
    if inds.size and (inds.min() < 0 or inds.max() >= len(areas)):
        raise ValueError(
            f'{video_id_of(sample)}: frame_inds from {inds.min()} to '
            f'{inds.max()}, but lesion_areas has {len(areas)} frames')
    return areas[inds]


def to_float64(values: Any) -> np.ndarray:
    """A tensor (any dtype, any device) or array-like as a float64 array.

    Args:
        values (Any): A tensor, array or (nested) list of numbers.

    Returns:
        np.ndarray: The values, float64, same shape.
    """
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().double()
    return np.asarray(values, dtype=np.float64)
