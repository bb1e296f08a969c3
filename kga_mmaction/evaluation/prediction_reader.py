"""Read back the per-video predictions that ``tools/test.py
--out-predictions`` wrote (:class:`DumpPredictions`).

The analysis tools work from this file instead of running the model again:

* :func:`load_predictions` -- the ``.json`` or ``.csv`` file as
  :class:`VideoPrediction` records, refusing non-finite values;
* :func:`select_predictions` -- some of them, by id or spread evenly;
* :func:`evaluate_predictions` -- metrics (e.g. ``BinaryDiagnosisMetric``)
  recomputed from them through mmengine's
  :meth:`~mmengine.evaluator.Evaluator.offline_evaluate`, as MMAction2's
  ``tools/analysis_tools/eval_metric.py`` does;
* :func:`read_prediction_frames` -- a video's sampled frames, re-read from
  its ``frame_dir`` (or ``filename``) and ``frame_inds`` with MMAction2's
  decode transforms.
"""
import csv
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmaction.datasets.transforms import (OpenCVDecode, OpenCVInit,
                                          RawFrameDecode)
from mmaction.registry import METRICS
from mmengine.evaluator import Evaluator

from ..datasets.frame_folder import detect_frame_template
from ..utils import spread_indices
from .prediction_dump import FORMATS
from .video_prediction import (MATRIX_FIELDS, NonFiniteScoreError,
                               VideoPrediction)


def _read_json(path: str) -> List[dict]:
    with open(path) as f:
        records = json.load(f)
    if not isinstance(records, list):
        raise ValueError(f'{path}: expected a list of per-video records '
                         '(DumpPredictions), got a '
                         f'{type(records).__name__}')
    return records


def _read_csv(path: str) -> List[dict]:
    """CSV rows as records: cells as text, each ``[T, K]`` field gathered
    from its K columns."""
    with open(path, newline='') as f:
        rows = list(csv.DictReader(f))
    records = []
    for row in rows:
        record: Dict[str, object] = dict(row)
        for key in MATRIX_FIELDS:
            columns = sorted((c for c in row if c.startswith(f'{key}_')),
                             key=lambda c: int(c.rsplit('_', 1)[1]))
            cells = [row[c].split() for c in columns if row[c]]
            # K columns of T values -> [T][K]
            record[key] = [list(frame) for frame in zip(*cells)] or None
        records.append(record)
    return records


def _to_prediction(record: dict, path: str, position: int) -> VideoPrediction:
    """One record as a :class:`VideoPrediction`, errors naming the file."""
    try:
        return VideoPrediction.from_record(record, position)
    except ValueError as err:
        raise ValueError(f'{path}: {err}') from None


def load_predictions(path: str) -> List[VideoPrediction]:
    """Read a :class:`DumpPredictions` file.

    Args:
        path (str): The ``.json`` or ``.csv`` file.

    Returns:
        list[VideoPrediction]: One per video, in test-set order; a field
        the file lacks (e.g. ``frame_video_logits`` in a dump of an older
        version) is None.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If it is not a ``.json``/``.csv`` prediction file or
            holds no predictions.
        NonFiniteScoreError: If a video's scores, logits, weights or
            distances are NaN or infinite (the message names the file and
            the video).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'prediction file not found: {path}')
    if not path.endswith(FORMATS):
        raise ValueError(f'a prediction file ends in .json or .csv '
                         f'(tools/test.py --out-predictions), got {path}')
    records = _read_json(path) if path.endswith('.json') else _read_csv(path)
    if not records:
        raise ValueError(f'{path}: no predictions')
    predictions = [
        _to_prediction(record, path, i) for i, record in enumerate(records)
    ]
    for prediction in predictions:
        try:
            prediction.check_finite()
        except NonFiniteScoreError as err:
            raise NonFiniteScoreError(f'{path}: {err}') from None
    return predictions


def select_predictions(
        predictions: Sequence[VideoPrediction],
        num_videos: Optional[int] = None,
        video_ids: Optional[Sequence[str]] = None) -> List[VideoPrediction]:
    """Some of the predictions.

    Args:
        predictions (Sequence[VideoPrediction]): All of them.
        num_videos (int, optional): Take this many, evenly spread
            (:func:`~kga_mmaction.utils.spread_indices`; a test set is often
            sorted by class). Defaults to all.
        video_ids (Sequence[str], optional): Take these videos, in this
            order; overrides ``num_videos``.

    Returns:
        list[VideoPrediction]: The selection.

    Raises:
        ValueError: If a requested video is not among the predictions.
    """
    if not video_ids:
        return [predictions[i]
                for i in spread_indices(len(predictions), num_videos)]
    by_id = {}
    for prediction in predictions:
        by_id.setdefault(prediction.video_id, prediction)
    missing = [v for v in video_ids if v not in by_id]
    if missing:
        raise ValueError(
            f'videos not in the predictions: {", ".join(missing)}')
    return [by_id[v] for v in video_ids]


def evaluate_predictions(predictions: Sequence[VideoPrediction],
                         metrics: Union[dict, List[dict]]) -> Dict[str, float]:
    """Metrics of the predictions, computed as at test time.

    Args:
        predictions (Sequence[VideoPrediction]): Labelled predictions.
        metrics (dict | list[dict]): Metric configs, as a config's
            ``test_evaluator`` lists them, e.g.
            ``dict(type='BinaryDiagnosisMetric', positive_class=1)``.

    Returns:
        dict: The metrics, with their prefixes (``'diagnosis/auc'``, ...).

    Raises:
        ValueError: If a prediction has no label.
    """
    metrics = metrics if isinstance(metrics, list) else [metrics]
    evaluator = Evaluator([METRICS.build(metric) for metric in metrics])
    return evaluator.offline_evaluate(
        [prediction.to_data_sample() for prediction in predictions])


def read_prediction_frames(
        prediction: VideoPrediction,
        positions: Optional[Sequence[int]] = None
) -> Tuple[List[np.ndarray], np.ndarray]:
    """Re-read the frames the model saw, as the test pipeline decoded them.

    A frame folder is read with ``RawFrameDecode`` (its file name template
    detected as :class:`~kga_mmaction.datasets.VideoListDataset` detects
    it), a video file with ``OpenCVInit`` + ``OpenCVDecode``.

    Args:
        prediction (VideoPrediction): With ``frame_inds`` and ``frame_dir``
            or ``filename``.
        positions (Sequence[int], optional): Which of the sampled frames,
            as positions into ``frame_inds``. Defaults to all.

    Returns:
        tuple[list[np.ndarray], np.ndarray]: ``H x W x 3`` uint8 RGB frames
        and their 0-based indices in the video.

    Raises:
        ValueError: If the prediction has no ``frame_inds`` or no source.
        FileNotFoundError: If its frame folder or file is gone.
    """
    if prediction.frame_inds is None or not (prediction.frame_dir
                                             or prediction.filename):
        raise ValueError(
            f'{prediction.source}: the predictions hold no frame_inds or '
            'no frame_dir/filename to re-read the frames from; list them '
            'in the test pipeline\'s PackActionInputs(meta_keys=...) and '
            'run tools/test.py --out-predictions again')
    inds = prediction.frame_inds
    if positions is not None:
        inds = inds[np.asarray(positions, dtype=np.int64)]
    if prediction.frame_dir:
        if not osp.isdir(prediction.frame_dir):
            raise FileNotFoundError(
                f'frame folder not found: {prediction.frame_dir}')
        tmpl, start, _ = detect_frame_template(prediction.frame_dir)
        results = RawFrameDecode()(
            dict(frame_dir=prediction.frame_dir, filename_tmpl=tmpl,
                 frame_inds=inds.copy(), modality='RGB'))
    else:
        if not osp.isfile(prediction.filename):
            raise FileNotFoundError(
                f'video file not found: {prediction.filename}')
        start = 0
        results = OpenCVInit()(dict(filename=prediction.filename))
        results['frame_inds'] = inds.copy()
        results = OpenCVDecode()(results)
    return list(results['imgs']), inds - start
