"""Lesion area of each frame, from the boxes of a BUSV CocoVID JSON.

An ``annotations`` record of a BUSV JSON holds the lesion box ``bbox``
``[x, y, w, h]`` (pixels) of one frame, the image ``image_id``. The lesion
area of a frame is the sum of the areas of its boxes; a frame without a box
has area 0. About 272 boxes of the released BUSV have a negative width or
height: such a box is empty, its area ``max(w, 0) * max(h, 0)`` is 0.

A box with a number that is not finite (JSON allows ``NaN`` and
``Infinity``) or a corner far beyond its frame (:func:`box_error`) is a
``bad_box`` problem: it would give NaN or infinite lesion areas downstream.
"""
import math
from collections import defaultdict
from numbers import Real
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ..problems import BAD_BOX, BAD_JSON_ENTRY, Problem

#: Numbers in a CocoVID ``bbox``: ``[x, y, w, h]``.
BBOX_LENGTH = 4
#: How far a box's corners may lie outside its frame, as a share of the
#: frame's width (x) or height (y). Annotation tools let a drag end outside
#: the image, which overstates an area a little; a corner further out than
#: half the frame is not a box of this frame (another resolution's
#: coordinates, a typo, ``1e308``).
BOX_OVERHANG = 0.5


def box_area(bbox: Sequence[float]) -> float:
    """Area of an ``[x, y, w, h]`` box; 0 if its width or height is
    negative.

    Args:
        bbox (Sequence[float]): ``[x, y, w, h]``.

    Returns:
        float: ``max(w, 0) * max(h, 0)``.
    """
    _, _, width, height = bbox
    return float(max(width, 0) * max(height, 0))


def box_error(bbox: Sequence[float],
              frame_shape: Optional[Tuple[int, int]] = None) -> Optional[str]:
    """Why an ``[x, y, w, h]`` box of numbers is absurd, or None.

    Args:
        bbox (Sequence[float]): ``[x, y, w, h]``.
        frame_shape (tuple[int, int], optional): ``(H, W)`` of its frame;
            the corners are checked against it when given.

    Returns:
        str | None: ``'not finite'``, ``'beyond the WxH frame'`` or None.
    """
    if not all(math.isfinite(v) for v in bbox):
        return 'not finite'
    if frame_shape is None:
        return None
    x, y, width, height = bbox
    frame_h, frame_w = frame_shape
    for start, length, size in ((x, width, frame_w), (y, height, frame_h)):
        ends = (start, start + length)
        if (min(ends) < -BOX_OVERHANG * size
                or max(ends) > (1 + BOX_OVERHANG) * size):
            return f'beyond the {frame_w}x{frame_h} frame'
    return None


def _is_bbox(bbox: Any) -> bool:
    """Whether ``bbox`` is a list of four numbers (booleans excluded)."""
    return (isinstance(bbox, list) and len(bbox) == BBOX_LENGTH
            and all(isinstance(v, Real) and not isinstance(v, bool)
                    for v in bbox))


def lesion_areas_by_image(
    annotations: Any,
    json_path: str,
    frames: Optional[Mapping[Any, Tuple[str, int, int]]] = None
) -> Tuple[Dict[Any, float], List[Problem]]:
    """Sum the box areas of each image of a CocoVID ``annotations`` list.

    Args:
        annotations (Any): The JSON's ``annotations`` value (a list of
            records with ``image_id`` and ``bbox``).
        json_path (str): The JSON, named in the problems.
        frames (Mapping, optional): Image id -> ``(file_name, H, W)`` of the
            frames the boxes belong to: their boxes are checked against the
            frame and the problems name the file. Defaults to None.

    Returns:
        tuple[dict, list[Problem]]: Image id -> lesion area (images without
        a box are absent), and one problem per record that is not a dict
        with an ``image_id`` and an ``[x, y, w, h]`` ``bbox`` of numbers
        (``bad_json_entry``; also for an ``annotations`` that is not a
        list), or whose box is absurd (``bad_box``, see :func:`box_error`;
        the box is left out).
    """
    frames = frames or {}
    if not isinstance(annotations, list):
        return {}, [
            Problem(BAD_JSON_ENTRY, json_path,
                    '"annotations" is not a list (expected a CocoVID JSON)')
        ]
    areas: Dict[Any, float] = defaultdict(float)
    problems = []
    for record in annotations:
        if (not isinstance(record, dict) or 'image_id' not in record
                or not _is_bbox(record.get('bbox'))):
            problems.append(
                Problem(
                    BAD_JSON_ENTRY, json_path,
                    f'annotation {record!r}: expected an image_id and a '
                    'bbox [x, y, w, h] of numbers'))
            continue
        frame = frames.get(record['image_id'])
        error = box_error(record['bbox'],
                          None if frame is None else frame[1:])
        if error is not None:
            where = '' if frame is None else f' ({frame[0]})'
            problems.append(
                Problem(
                    BAD_BOX, json_path,
                    f'annotation {record.get("id")!r} of image id '
                    f'{record["image_id"]!r}{where}: bbox '
                    f'{record["bbox"]} is {error}'))
            continue
        areas[record['image_id']] += box_area(record['bbox'])
    return dict(areas), problems
