"""Lesion area of each frame, from the boxes of a BUSV CocoVID JSON.

An ``annotations`` record of a BUSV JSON holds the lesion box ``bbox``
``[x, y, w, h]`` (pixels) of one frame, the image ``image_id``. The lesion
area of a frame is the sum of the areas of its boxes; a frame without a box
has area 0. About 272 boxes of the released BUSV have a negative width or
height: such a box is empty, its area ``max(w, 0) * max(h, 0)`` is 0.
"""
from collections import defaultdict
from numbers import Real
from typing import Any, Dict, List, Sequence, Tuple

from ..problems import BAD_JSON_ENTRY, Problem

#: Numbers in a CocoVID ``bbox``: ``[x, y, w, h]``.
BBOX_LENGTH = 4


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


def _is_bbox(bbox: Any) -> bool:
    """Whether ``bbox`` is a list of four numbers (booleans excluded)."""
    return (isinstance(bbox, list) and len(bbox) == BBOX_LENGTH
            and all(isinstance(v, Real) and not isinstance(v, bool)
                    for v in bbox))


def lesion_areas_by_image(
        annotations: Any,
        json_path: str) -> Tuple[Dict[Any, float], List[Problem]]:
    """Sum the box areas of each image of a CocoVID ``annotations`` list.

    Args:
        annotations (Any): The JSON's ``annotations`` value (a list of
            records with ``image_id`` and ``bbox``).
        json_path (str): The JSON, named in the problems.

    Returns:
        tuple[dict, list[Problem]]: Image id -> lesion area (images without
        a box are absent), and one ``bad_json_entry`` problem per record
        that is not a dict with an ``image_id`` and an ``[x, y, w, h]``
        ``bbox`` of numbers, or for an ``annotations`` that is not a list.
    """
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
        areas[record['image_id']] += box_area(record['bbox'])
    return dict(areas), problems
