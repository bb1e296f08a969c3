"""CocoVID annotations of the BUSV JSONs (``imagenet_vid_*.json``).

The released BUSV JSONs follow ImageNet VID in CocoVID form: ``categories``
(1-based, in :data:`~kga_mmaction.datasets.busv.layout.BUSV_CLASSES` order),
``videos``, ``images`` (one per frame, ``file_name`` =
``<class>/<video_id>/<frame>``) and ``annotations`` (one lesion box per
frame that shows it). Train videos flag
:data:`NUM_VID_TRAIN_FRAMES` evenly spaced frames as ``is_vid_train_frame``.
"""
from typing import Dict, List, Optional, Tuple

import numpy as np

from ..datasets.busv.layout import BUSV_CLASSES, BUSV_FRAME_TMPL

#: Frames flagged per train video (the ``15frames`` of the train JSON name).
NUM_VID_TRAIN_FRAMES = 15


def vid_train_frame_ids(num_frames: int,
                        k: int = NUM_VID_TRAIN_FRAMES) -> List[int]:
    """``k`` evenly spaced frame ids (all frames if the video is shorter)."""
    if num_frames <= k:
        return list(range(num_frames))
    return [int(i) for i in np.round(np.linspace(0, num_frames - 1, k))]


def empty_cocovid() -> Dict[str, list]:
    """A CocoVID dict with the BUSV categories and no videos yet."""
    categories = [
        dict(id=label + 1, name=cls) for label, cls in enumerate(BUSV_CLASSES)
    ]
    return dict(categories=categories, videos=[], images=[], annotations=[])


def add_cocovid_video(coco: Dict[str, list], name: str, category_id: int,
                      hw: Tuple[int, int], bboxes: List[Optional[List[int]]],
                      flag_train: bool) -> None:
    """Append one video, its frames and boxes, with 1-based running ids.

    Args:
        coco (dict[str, list]): CocoVID dict, extended in place.
        name (str): ``<class>/<video_id>``.
        category_id (int): 1-based category of the video's lesion.
        hw (tuple[int, int]): Frame ``(H, W)``.
        bboxes (list[list[int] | None]): ``[x, y, w, h]`` of the lesion in
            each frame, None where no lesion is visible.
        flag_train (bool): Flag :func:`vid_train_frame_ids` as train frames.
    """
    h, w = hw
    video_id = len(coco['videos']) + 1
    train_ids = set(vid_train_frame_ids(len(bboxes))) if flag_train else set()
    coco['videos'].append(
        dict(id=video_id, name=name, height=h, width=w,
             vid_train_frames=sorted(train_ids)))
    for frame_id, bbox in enumerate(bboxes):
        image_id = len(coco['images']) + 1
        coco['images'].append(
            dict(file_name=f'{name}/{BUSV_FRAME_TMPL.format(frame_id)}',
                 height=h, width=w, id=image_id, frame_id=frame_id,
                 video_id=video_id,
                 is_vid_train_frame=frame_id in train_ids))
        if bbox is None:
            continue
        coco['annotations'].append(
            dict(id=len(coco['annotations']) + 1, video_id=video_id,
                 image_id=image_id, category_id=category_id, instance_id=0,
                 bbox=bbox, area=bbox[2] * bbox[3], iscrowd=0,
                 occluded=False, generated=False))
