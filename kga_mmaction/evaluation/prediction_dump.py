"""Per-video predictions, frame weights, center distances and lesion areas
to JSON/CSV.

Like mmengine's ``DumpResults``, but writes a file a person can open (and
pandas can read) instead of a pickle of whole data samples.
"""
import csv
import json
from typing import Any, Dict, List, Optional, Sequence, TextIO

from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from ..utils import write_atomically
from .video_prediction import (LIST_FIELDS, MATRIX_FIELDS, SCALAR_FIELDS,
                               VideoPrediction)

FORMATS = ('.json', '.csv')


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

    Each record is a video's :meth:`VideoPrediction.to_record`, in
    test-set order: which video, its label, the prediction and, where the
    model and the test pipeline's ``PackActionInputs(meta_keys=...)`` give
    them, the per-frame values (frame indices, lesion areas, attention
    weights, frame scores, center distances, per-frame video logits).

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
        """Keep each video's record (:meth:`VideoPrediction.to_record`).

        Args:
            data_batch (Any): A batch from the dataloader (unused).
            data_samples (Sequence[dict]): Predicted samples as dicts.
        """
        for sample in data_samples:
            self.results.append(
                VideoPrediction.from_sample(sample).to_record(
                    self.positive_class))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Write the file; no metrics.

        Args:
            results (list[dict]): One record per video.

        Returns:
            dict: Empty.
        """
        records = [dict(r, index=i) for i, r in enumerate(results)]
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
