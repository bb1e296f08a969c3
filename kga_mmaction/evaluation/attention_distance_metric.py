"""Does the frame attention follow the class centers? (KGA-Net, Fig. 3e)."""
import logging
from typing import Any, Dict, List, Sequence

import numpy as np
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from .functional import pearson_r
from .predicted_sample import to_float64


@METRICS.register_module()
class AttentionDistanceMetric(BaseMetric):
    """Correlation of each frame's attention with its distance to the
    center of its video's class.

    The coherence loss (eq. 3) pushes frames near the class center to high
    attention, so with it working the per-video Pearson correlation between
    the frame weights ``w_i`` and the own-class distances ``d_i`` (eq. 2)
    is negative. Reads ``frame_weights`` ``[T]`` and ``center_distances``
    ``[T, K]``, which :class:`FrameAttentionHead` stores at prediction
    when the model has class centers. Returned keys, prefixed with
    ``'attention/'`` by default:

    * ``pearson_r``: mean over videos of the per-video correlation;
      ``num_videos``: the videos it averages. A video whose weights or
      distances are constant over its frames (e.g. without attention, or a
      single frame) has no correlation and is left out.
    * ``weight_mean`` and ``weight_std``: mean and standard deviation of the
      attention weights of all frames of all videos (a collapsed attention
      shows as a mean near 0 or 1 with no spread).

    Models that store no frame weights or distances (the 3D baselines, or
    KGA-Net without a center loss) give no keys, and a warning says why.

    Args:
        collect_device (str): Device used to collect results across ranks.
            Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the keys. Defaults to None, i.e.
            ``'attention'``.
    """

    default_prefix = 'attention'

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep each video's frame weights and own-class distances.

        Args:
            data_batch (Any): A batch from the dataloader (unused).
            data_samples (Sequence[dict]): Predicted samples as dicts.
        """
        for sample in data_samples:
            weights = sample.get('frame_weights')
            distances = sample.get('center_distances')
            if weights is None or distances is None:
                self.results.append(None)
                continue
            label = int(sample['gt_label'].reshape(-1)[0])
            self.results.append(
                dict(weights=to_float64(weights),
                     distances=to_float64(distances)[:, label]))  # [T]

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Average the per-video correlations; pool the weights.

        Args:
            results (list[dict | None]): One entry per video.

        Returns:
            dict: The keys listed in the class docstring.
        """
        results = [r for r in results if r is not None]
        if not results:
            print_log(
                f'{type(self).__name__}: no video carries frame_weights and '
                'center_distances (a model without frame attention or '
                'class centers); nothing to report', logger='current',
                level=logging.WARNING)
            return {}
        weights = np.concatenate([r['weights'] for r in results])
        metrics = dict(weight_mean=float(weights.mean()),
                       weight_std=float(weights.std()))
        per_video = [pearson_r(r['weights'], r['distances'])
                     for r in results]
        defined = [r for r in per_video if not np.isnan(r)]
        metrics['num_videos'] = len(defined)
        if defined:
            metrics['pearson_r'] = float(np.mean(defined))
        else:
            print_log(
                f'{type(self).__name__}: the attention weights or distances '
                f'are constant within each of the {len(results)} videos; '
                'their correlation is undefined', logger='current',
                level=logging.WARNING)
        return metrics
