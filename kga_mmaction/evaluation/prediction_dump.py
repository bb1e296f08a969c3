"""Per-video predictions, frame weights, center distances and lesion areas
to JSON/CSV.

Like mmengine's ``DumpResults``, but writes a file a person can open (and
pandas can read) instead of a pickle of whole data samples.
"""
import csv
import json
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, TextIO

import numpy as np
import torch
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from ..utils import write_atomically
from .functional import positive_log_odds

FORMATS = ('.json', '.csv')
#: Where a video's frames are: metainfo keys that name its source.
SOURCE_FIELDS = ('frame_dir', 'filename')
#: Fields with one value per video, in file order.
SCALAR_FIELDS = ('index', 'video_id', *SOURCE_FIELDS, 'gt_label',
                 'pred_label', 'positive_score', 'log_odds')
#: Fields with a list per video (``[K]`` or ``[T]``): one CSV cell each.
LIST_FIELDS = ('pred_score', 'pred_logits', 'frame_inds', 'frame_weights',
               'frame_lesion_areas')
#: ``[T, K]`` fields: K CSV columns ``<field>_<k>`` each.
MATRIX_FIELDS = ('frame_scores', 'center_distances', 'frame_video_logits')
#: Per-frame fields that KGA-Net's FrameAttentionHead stores on a sample.
FRAME_FIELDS = ('frame_weights', *MATRIX_FIELDS)


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


def to_plain(value: Any) -> Any:
    """A tensor or array as (nested) Python lists of int/float; else as is.

    float32 values become the shortest decimal that reads back as the same
    float32 (``0.3``, not ``0.30000001192092896``).

    Args:
        value (Any): A tensor, array, numpy scalar, None or a plain value.

    Returns:
        Any: Nested lists for arrays and tensors (a number for 0-d ones),
        a Python number for numpy scalars, else ``value``.
    """
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        if value.dtype in (torch.float16, torch.bfloat16):  # e.g. AMP
            value = value.float()
        value = value.numpy()
    if not isinstance(value, np.ndarray):
        return value.item() if isinstance(value, np.generic) else value
    if value.dtype == np.float32:
        # str(np.float32) is the shortest decimal that reads back the same
        short = np.array([float(str(v)) for v in value.ravel()],
                         dtype=object)
        return short.reshape(value.shape).tolist()
    return value.tolist()


def join_numbers(values: Optional[Sequence[Any]]) -> str:
    """Numbers as one space-separated CSV cell.

    Args:
        values (Sequence, optional): Numbers, e.g. one per frame.

    Returns:
        str: ``'0.91 0.42 0.77'``; ``''`` for None.
    """
    return '' if values is None else ' '.join(str(v) for v in values)


@METRICS.register_module()
class DumpPredictions(BaseMetric):
    """Write one record per video to a ``.json`` or ``.csv`` file.

    Fields of each record, in test-set order:

    * ``index``: position of the video in the test set.
    * ``video_id``: the ``video_id`` metainfo, else the basename of
      ``frame_dir``/``filename`` (kept only when listed in
      ``PackActionInputs(meta_keys=...)``), else null/empty.
    * ``frame_dir`` or ``filename``: the video's frame folder or file (the
      metainfo, kept when listed in ``meta_keys``): where the analysis
      tools re-read the frames.
    * ``gt_label``: the label; ``pred_label``: the model's prediction
      (``pred_label``, else the argmax of ``pred_score``).
    * ``positive_score``: ``pred_score[positive_class]``; ``pred_score``:
      the scores of all K classes; ``pred_logits``: the K logits, for heads
      that store them (KGA-Net's does).
    * ``log_odds``: the positive class's log-odds from ``pred_logits``
      (float64; it orders videos whose ``positive_score`` rounds to 1.0),
      for heads that store logits, as KGA-Net's does.
    * ``frame_inds``: the frame indices used, as the decoder read them
      (the ``frame_inds`` metainfo, a frame folder's ``start_index``
      included; needs ``'frame_inds'`` in
      ``PackActionInputs(meta_keys=...)``).
    * ``frame_lesion_areas`` ``[T]``: the annotated lesion area of each
      frame used (:func:`frame_lesion_areas_of`; needs ``'lesion_areas'``
      and ``'frame_inds'`` in ``PackActionInputs(meta_keys=...)``), for
      :class:`~kga_mmaction.evaluation.KeyframeLocalisationMetric`.
    * ``frame_weights`` ``[T]``, ``frame_scores`` ``[T, K]``,
      ``center_distances`` ``[T, K]`` and ``frame_video_logits``
      ``[T, K]``: stored by KGA-Net's :class:`FrameAttentionHead`
      (attention weight, frame class probabilities, distance of each frame
      to each class center, and the video classifier's logits of each
      frame alone, which rescore the video with other frame weights:
      :meth:`VideoPrediction.reweighted`).

    A field a model does not produce (e.g. the per-frame fields of a
    baseline) is ``null`` in JSON and an empty cell in CSV; every record and
    row has every field. JSON is a list of objects. In CSV a list goes into
    one cell as space-separated numbers (``"0.91 0.42 0.77"``, one per frame
    or class) and a ``[T, K]`` field becomes K columns, ``frame_scores_k``,
    ``center_distances_k`` and ``frame_video_logits_k``, each with the T
    values of class ``k``.

    The file is written once, after the last batch, through a temporary
    file and a rename, so no partial file looks complete.
    :func:`~kga_mmaction.evaluation.load_predictions` reads it back, and
    the analysis tools work from it.

    Args:
        out_file_path (str): Output file, ending in ``.json`` or ``.csv``.
        positive_class (int): Class whose score is ``positive_score``.
            Defaults to 1 (malignant).
        collect_device (str): Device used to collect results across ranks.
            Defaults to ``'cpu'``.
        collect_dir (str, optional): Folder used to collect results across
            ranks with ``collect_device='cpu'``. Defaults to None.
    """

    def __init__(self,
                 out_file_path: str,
                 positive_class: int = 1,
                 collect_device: str = 'cpu',
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(
            collect_device=collect_device, collect_dir=collect_dir)
        if not out_file_path.endswith(FORMATS):
            raise ValueError(f'out_file_path must end in .json or .csv, got '
                             f'{out_file_path!r}')
        if positive_class < 0:
            raise ValueError(
                f'positive_class must be >= 0, got {positive_class}')
        self.out_file_path = out_file_path
        self.positive_class = positive_class

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep the fields listed in the class docstring, as plain lists.

        Args:
            data_batch (Any): A batch from the dataloader (unused).
            data_samples (Sequence[dict]): Predicted samples as dicts.
        """
        for sample in data_samples:
            score = sample['pred_score'].detach().cpu().reshape(-1)
            if self.positive_class >= score.numel():
                raise ValueError(
                    f'positive_class={self.positive_class} but pred_score '
                    f'has {score.numel()} classes')
            pred_label = sample.get('pred_label')
            pred_label = (int(pred_label.reshape(-1)[0])
                          if pred_label is not None else int(score.argmax()))
            gt_label = sample.get('gt_label')
            record = dict(video_id=video_id_of(sample))
            for key in SOURCE_FIELDS:
                record[key] = sample.get(key)
            record.update(
                gt_label=(int(gt_label.reshape(-1)[0])
                          if gt_label is not None else None),
                pred_label=pred_label,
                positive_score=to_plain(score[self.positive_class]),
                log_odds=(None if sample.get('pred_logits') is None else
                          positive_log_odds(sample['pred_logits'],
                                            self.positive_class)),
                pred_score=to_plain(score),
                pred_logits=to_plain(sample.get('pred_logits')),
                frame_inds=to_plain(sample.get('frame_inds')),
                frame_lesion_areas=to_plain(frame_lesion_areas_of(sample)))
            for key in FRAME_FIELDS:
                record[key] = to_plain(sample.get(key))
            self.results.append(record)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Write the file; no metrics.

        Args:
            results (list[dict]): One record per video.

        Returns:
            dict: Empty.
        """
        records = [dict(index=i, **r) for i, r in enumerate(results)]
        if self.out_file_path.endswith('.json'):
            write_atomically(
                self.out_file_path,
                lambda f: json.dump(records, f, indent=1))
        else:
            rows = [self.csv_row(r) for r in records]
            num_classes = max((len(r['pred_score']) for r in records),
                              default=0)
            header = [*SCALAR_FIELDS, *LIST_FIELDS]
            header += [f'{key}_{k}' for key in MATRIX_FIELDS
                       for k in range(num_classes)]

            def write(f: TextIO) -> None:
                writer = csv.DictWriter(f, fieldnames=header, restval='')
                writer.writeheader()
                writer.writerows(rows)

            write_atomically(self.out_file_path, write, newline='')
        print_log(f'Predictions of {len(records)} videos written to '
                  f'{self.out_file_path}', logger='current')
        return {}

    @staticmethod
    def csv_row(record: Dict[str, Any]) -> Dict[str, Any]:
        """One CSV row: lists joined by spaces, ``[T, K]`` split by class.

        Args:
            record (dict): A record as in the JSON file.

        Returns:
            dict: Column name -> cell.
        """
        row = {
            key: ('' if record[key] is None else record[key])
            for key in SCALAR_FIELDS
        }
        for key in LIST_FIELDS:
            row[key] = join_numbers(record[key])
        for key in MATRIX_FIELDS:
            per_frame = record[key]  # [T][K] or None
            if per_frame is None:
                continue
            for k, column in enumerate(zip(*per_frame)):
                row[f'{key}_{k}'] = join_numbers(column)
        return row
