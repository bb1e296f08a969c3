"""Are the frames the model attends to the frames that show the lesion?"""
import logging
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from ..utils import text_table
from .functional import pearson_r, top_k_overlap
from .predicted_sample import (frame_lesion_areas_of, to_float64,
                               video_id_of)


@METRICS.register_module()
class KeyframeLocalisationMetric(BaseMetric):
    """Frame attention against the annotated lesion area, per video.

    For each video, from its frame weights ``[T]`` (``frame_weights``,
    stored by :class:`FrameAttentionHead`) and the lesion area of the same
    frames ``[T]`` (:func:`~.predicted_sample.frame_lesion_areas_of`: the
    BUSV boxes, 0 for a frame without one):

    * ``area_corr``: the Pearson correlation of weight and area
      (:func:`~.functional.pearson_r`);
    * ``top{k}_overlap``: the share of the ``k`` most attended frames that
      are among the ``k`` frames with the largest area, ties in area
      counting in the frame's favour (:func:`~.functional.top_k_overlap`).

    Returned keys, prefixed with ``'keyframe/'`` by default: ``area_corr``
    and ``top{k}_overlap`` (e.g. ``top4_overlap``), the means over the
    videos counted; ``num_videos``, the videos counted; ``num_skipped``,
    those left out because their weights or areas are constant over their
    frames (a model without attention weighs every frame ``1 / T``; a video
    whose frames all show the same lesion area, or none; a single frame):
    neither quantity is defined for them. If no video is counted, only the
    two counts are returned. A table of every video (id, ``T``, both
    values, ``nan`` where skipped) is logged.

    Models that store no frame weights (the 3D baselines), or test data
    without lesion areas (``lesion_areas`` and ``frame_inds`` not in
    ``PackActionInputs(meta_keys=...)``), give no keys, and a warning says
    why.

    Args:
        k (int): How many most-attended frames to compare; clipped to each
            video's ``T``. Defaults to 4.
        collect_device (str): Device used to collect results across ranks.
            Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the keys. Defaults to None, i.e.
            ``'keyframe'``.
        collect_dir (str, optional): Folder used to collect results across
            ranks with ``collect_device='cpu'``. Defaults to None.

    Example:
        >>> test_evaluator = [
        ...     dict(type='BinaryDiagnosisMetric', positive_class=1),
        ...     dict(type='KeyframeLocalisationMetric', k=4)]
    """

    default_prefix = 'keyframe'

    def __init__(self,
                 k: int = 4,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(
            collect_device=collect_device, prefix=prefix,
            collect_dir=collect_dir)
        if k < 1:
            raise ValueError(f'k must be >= 1, got {k}')
        self.k = k

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Correlation and top-k overlap of each video.

        Args:
            data_batch (Any): A batch from the dataloader (unused).
            data_samples (Sequence[dict]): Predicted samples as dicts.

        Raises:
            ValueError: If a video has lesion areas for a different number
                of frames than it has weights (a test pipeline with several
                crops or clips per frame).
        """
        for sample in data_samples:
            weights = sample.get('frame_weights')
            areas = frame_lesion_areas_of(sample)  # [T] or None
            video_id = video_id_of(sample)
            if weights is None or areas is None:
                self.results.append(None)
                continue
            weights = to_float64(weights).reshape(-1)  # [T]
            if len(weights) != len(areas):
                raise ValueError(
                    f'{video_id}: {len(weights)} frame weights but '
                    f'{len(areas)} sampled frames with lesion areas; '
                    f'{type(self).__name__} needs one weight per sampled '
                    'frame (one clip of single frames, one crop)')
            self.results.append(
                dict(video_id=video_id, num_frames=len(weights),
                     area_corr=pearson_r(weights, areas),
                     overlap=top_k_overlap(weights, areas, self.k)))

    def compute_metrics(self, results: List[Optional[dict]]
                        ) -> Dict[str, float]:
        """Average over the videos where both values are defined.

        Args:
            results (list[dict | None]): One entry per video.

        Returns:
            dict: The keys listed in the class docstring.
        """
        name = type(self).__name__
        results = [r for r in results if r is not None]
        if not results:
            print_log(
                f'{name}: no video carries frame_weights and lesion areas '
                '(a model without frame attention, or lesion_areas and '
                'frame_inds not in the test PackActionInputs meta_keys); '
                'nothing to report', logger='current',
                level=logging.WARNING)
            return {}
        overlap_key = f'top{self.k}_overlap'
        print_log(
            f'{name}: per video (k={self.k}):\n' + text_table(
                ('video', 'T', 'area_corr', overlap_key),
                [(r['video_id'], r['num_frames'], f'{r["area_corr"]:.4f}',
                  f'{r["overlap"]:.4f}') for r in results]),
            logger='current')
        counted = [
            r for r in results
            if not (np.isnan(r['area_corr']) or np.isnan(r['overlap']))
        ]
        metrics = dict(num_videos=len(counted),
                       num_skipped=len(results) - len(counted))
        if not counted:
            print_log(
                f'{name}: the frame weights or lesion areas are constant '
                f'within each of the {len(results)} videos; their '
                'correlation and overlap are undefined', logger='current',
                level=logging.WARNING)
            return metrics
        metrics['area_corr'] = float(
            np.mean([r['area_corr'] for r in counted]))
        metrics[overlap_key] = float(np.mean([r['overlap'] for r in counted]))
        return metrics
