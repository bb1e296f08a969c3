"""The base of the project's datasets: class counts and named load errors.

Two things MMAction2's :class:`~mmaction.datasets.BaseActionDataset` leaves
to the first batch are settled here:

* **Class counts.** After loading, ``metainfo['class_counts']`` holds the
  number of samples per class (in ``classes`` order). Metrics receive the
  metainfo when their loop is built, before any sample is read, so
  :class:`~kga_mmaction.evaluation.BinaryDiagnosisMetric` rejects a
  one-class test split at once.
* **Load errors that name the file.** MMAction2's ``RawFrameDecode`` decodes
  through mmcv; a truncated or corrupt frame makes OpenCV return nothing and
  the next OpenCV call fails with a bare ``cv2.error`` that names no file.
  When the pipeline raises, the frames of the clip (those the pipeline
  sampled, else the whole folder) are decoded one by one and the first
  unreadable one is named in a ``ValueError``; otherwise the original error
  is re-raised with a note naming the video.

Datasets whose classes are an argument (``classes=``) set them through
:func:`classes_metainfo`.
"""
import os.path as osp
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np
from mmaction.datasets import BaseActionDataset

from .transforms.loading import read_rgb_image


def classes_metainfo(classes: Sequence[str],
                     metainfo: Optional[dict],
                     known: Optional[Sequence[str]] = None,
                     what: str = 'classes') -> Tuple[Tuple[str, ...], dict]:
    """Check a dataset's ``classes`` argument and put it in its metainfo.

    Args:
        classes (Sequence[str]): Class names, in label order.
        metainfo (dict, optional): The ``metainfo`` argument of the dataset.
        known (Sequence[str], optional): The names allowed; any if None.
        what (str): How error messages call the classes, e.g.
            ``'BUSI classes'``. Defaults to ``'classes'``.

    Returns:
        tuple: The classes as a tuple, and a copy of ``metainfo`` with them
        as ``classes``.

    Raises:
        ValueError: If ``classes`` is empty, repeats a name or names one not
            in ``known``, or if ``metainfo`` holds other classes.
    """
    classes = tuple(classes)
    if (not classes or len(set(classes)) != len(classes)
            or (known is not None and any(c not in known for c in classes))):
        allowed = '' if known is None else f' from {tuple(known)}'
        raise ValueError(
            f'{what} must be distinct names{allowed}, got {classes}')
    metainfo = dict(metainfo or {})
    if metainfo.get('classes', classes) != classes:
        raise ValueError(f'set {what} with `classes=`, not metainfo '
                         f'(got {metainfo["classes"]})')
    metainfo['classes'] = classes
    return classes, metainfo


def clip_frame_files(data_info: dict) -> List[str]:
    """The frame files a ``RawFrameDecode`` of ``data_info`` reads.

    Args:
        data_info (dict): ``frame_dir``, ``filename_tmpl``, and either the
            sampled ``frame_inds`` (with ``start_index`` already added, as
            ``SampleFrames`` leaves them) or ``total_frames`` and
            ``start_index``.

    Returns:
        list[str]: Paths in reading order, each once.
    """
    tmpl = data_info.get('filename_tmpl', 'img_{:05}.jpg')
    offset = data_info.get('offset', 0)
    if 'frame_inds' in data_info:
        inds = np.asarray(data_info['frame_inds']).reshape(-1) + offset
    else:
        start = data_info.get('start_index', 0)
        inds = np.arange(start, start + data_info['total_frames'])
    inds = list(dict.fromkeys(int(i) for i in inds))  # unique, in order
    return [osp.join(data_info['frame_dir'], tmpl.format(i)) for i in inds]


def find_unreadable_frame(data_info: dict) -> Optional[Tuple[str, str]]:
    """Decode the clip's frames until one fails.

    Args:
        data_info (dict): See :func:`clip_frame_files`.

    Returns:
        tuple[str, str] | None: The first unreadable file and why, or None
        when every frame decodes.
    """
    for path in clip_frame_files(data_info):
        try:
            read_rgb_image(path)
        except (OSError, ValueError) as err:
            return path, str(err)
    return None


class CheckedActionDataset(BaseActionDataset):
    """:class:`BaseActionDataset` with class counts in its metainfo and load
    errors that name the file (see the module docstring).

    Subclasses implement ``load_data_list`` as for any mmengine dataset;
    every item has an integer ``label``.
    """

    def full_init(self) -> None:
        """Load the data list, then record ``metainfo['class_counts']``."""
        if self._fully_initialized:
            return
        super().full_init()
        counts = [0] * len(self._metainfo.get('classes') or ())
        for index in range(len(self)):
            label = int(self.get_data_info(index)['label'])
            if label >= len(counts):
                counts += [0] * (label + 1 - len(counts))
            counts[label] += 1
        self._metainfo['class_counts'] = tuple(counts)

    def prepare_data(self, idx: int) -> Any:
        """Run the pipeline on item ``idx``, naming what fails to load.

        Raises:
            ValueError: If a frame of the clip cannot be decoded; the
                message names the file and the video.
        """
        data_info = self.get_data_info(idx)
        try:
            return self.pipeline(data_info)
        except Exception as err:
            # transforms fill data_info in place: frame_inds are the sampled
            source = next((data_info[k] for k in ('frame_dir', 'filename',
                                                  'img_path')
                           if k in data_info), None)
            bad = (find_unreadable_frame(data_info)
                   if 'frame_dir' in data_info else None)
            if bad is not None:
                path, reason = bad
                raise ValueError(f'cannot load a clip of {source}: frame '
                                 f'{path} is unreadable ({reason})') from err
            if source is not None and hasattr(err, 'add_note'):
                err.add_note(f'while loading item {idx} of '
                             f'{type(self).__name__}: {source}')
            raise
