"""Send KGA-Net's attention and diagnosis figures to mmengine's
``vis_backends`` (a local folder, TensorBoard, W&B) at each validation and
at test."""
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmaction.registry import HOOKS
from mmengine.dist import all_gather_object, is_main_process
from mmengine.hooks import Hook

from ..evaluation.prediction_reader import read_prediction_frames
from ..evaluation.video_prediction import VideoPrediction
from ..visualization import (figure_to_image, plot_attention_curve,
                             plot_attention_strip, reliability_figure,
                             roc_figure)


@HOOKS.register_module()
class DiagnosisVisualizationHook(Hook):
    """At each validation, and at test, draws through the runner's
    visualizer (so that every configured ``vis_backend`` gets them):

    * for ``num_videos`` tracked videos, chosen once by ``seed`` and the
      same at every validation (to watch the attention form over
      training): the attention curve beside the annotated lesion area, the
      top-k frames marked (``{mode}_attention_{video_id}``), and, where the
      predictions name the frames' folder and indices, the frame strip
      (``{mode}_frames_{video_id}``);
    * for the whole split: the ROC curve with the Youden point
      (``{mode}_roc``) and the reliability diagram (``{mode}_reliability``),
      scored as :class:`~kga_mmaction.evaluation.BinaryDiagnosisMetric`
      scores them.

    ``mode`` is ``val`` or ``test``; the step is the training iteration
    (0 at test). The metrics themselves reach the backends as scalars
    through mmengine's ``LoggerHook``. The figures come from
    :mod:`kga_mmaction.visualization`, the code the analysis tools draw
    with. With several processes, the predictions are gathered and the
    main process draws.

    Args:
        num_videos (int): Videos tracked. Defaults to 4.
        seed (int): Seed of their choice. Defaults to 0.
        top_k (int): Frames marked per video. Defaults to 3.
        frames_shown (int): Most frames in a strip; 0 for no strips.
            Defaults to 8.
        num_bins (int): Bins of the reliability diagram. Defaults to 10.
        positive_class (int): Index of the malignant class. Defaults to 1.
        class_names (Sequence[str]): Names of the classes.
            Defaults to ``('benign', 'malignant')``.
    """

    priority = 'LOW'

    def __init__(self,
                 num_videos: int = 4,
                 seed: int = 0,
                 top_k: int = 3,
                 frames_shown: int = 8,
                 num_bins: int = 10,
                 positive_class: int = 1,
                 class_names: Sequence[str] = ('benign', 'malignant')
                 ) -> None:
        if num_videos < 0 or top_k < 1 or frames_shown < 0 or num_bins < 1:
            raise ValueError(
                f'need num_videos >= 0, top_k >= 1, frames_shown >= 0 and '
                f'num_bins >= 1, got {num_videos}, {top_k}, {frames_shown} '
                f'and {num_bins}')
        self.num_videos = num_videos
        self.seed = seed
        self.top_k = top_k
        self.frames_shown = frames_shown
        self.num_bins = num_bins
        self.positive_class = positive_class
        self.class_names = tuple(class_names)
        #: Ids of the tracked videos per mode, fixed at its first drawing.
        self.tracked: Dict[str, List[str]] = {}
        self._predictions: List[VideoPrediction] = []

    def before_val_epoch(self, runner) -> None:
        self._predictions = []

    def before_test_epoch(self, runner) -> None:
        self._predictions = []

    def after_val_iter(self, runner, batch_idx: int, data_batch=None,
                       outputs: Optional[Sequence] = None) -> None:
        self._collect(outputs)

    def after_test_iter(self, runner, batch_idx: int, data_batch=None,
                        outputs: Optional[Sequence] = None) -> None:
        self._collect(outputs)

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._draw(runner, 'val', runner.iter)

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._draw(runner, 'test', 0)

    def _collect(self, outputs: Optional[Sequence]) -> None:
        for sample in outputs or ():
            self._predictions.append(VideoPrediction.from_sample(sample))

    def choose_videos(self, video_ids: Sequence[str]) -> List[str]:
        """``num_videos`` of the ids, drawn by ``seed``, in sorted order."""
        ids = sorted(set(video_ids))
        rng = np.random.default_rng(self.seed)
        picks = rng.choice(len(ids), size=min(self.num_videos, len(ids)),
                           replace=False)
        return [ids[i] for i in sorted(picks)]

    def _draw(self, runner, mode: str, step: int) -> None:
        gathered = all_gather_object(self._predictions)
        self._predictions = []
        if not is_main_process():
            return
        predictions = [p for part in gathered for p in part]
        for i, prediction in enumerate(predictions):
            if prediction.video_id is None:
                prediction.video_id = f'video{i:04d}'
        visualizer = runner.visualizer
        by_id = {p.video_id: p for p in predictions}
        if mode not in self.tracked:
            self.tracked[mode] = self.choose_videos(list(by_id))
        for video_id in self.tracked[mode]:
            prediction = by_id.get(video_id)
            if prediction is None or prediction.frame_weights is None:
                continue
            visualizer.add_image(
                f'{mode}_attention_{video_id}',
                self._attention_image(prediction), step=step)
            strip = self._strip_image(prediction)
            if strip is not None:
                visualizer.add_image(f'{mode}_frames_{video_id}', strip,
                                     step=step)
        labels = {p.gt_label for p in predictions}
        if labels >= {0, 1}:
            positive_name = self.class_names[self.positive_class]
            title = f'{mode} at iteration {step}' if mode == 'val' else mode
            visualizer.add_image(
                f'{mode}_roc',
                figure_to_image(roc_figure(predictions, self.positive_class,
                                           positive_name, title=title)),
                step=step)
            visualizer.add_image(
                f'{mode}_reliability',
                figure_to_image(reliability_figure(
                    predictions, self.positive_class, self.num_bins,
                    positive_name, title=title)),
                step=step)
        else:
            runner.logger.info(
                f'DiagnosisVisualizationHook: no ROC or reliability diagram '
                f'at {mode} step {step}: the split holds one class only')

    def _attention_image(self, prediction: VideoPrediction) -> np.ndarray:
        probability = prediction.pred_score[self.positive_class]
        truth = ('unknown' if prediction.gt_label is None else
                 self.class_names[prediction.gt_label])
        return figure_to_image(plot_attention_curve(
            prediction.frame_weights, prediction.frame_inds,
            prediction.frame_lesion_areas, self.top_k,
            title=(f'{prediction.video_id}  label: {truth}  '
                   f'P({self.class_names[self.positive_class]}) = '
                   f'{probability:.3f}')))

    def _strip_image(self,
                     prediction: VideoPrediction) -> Optional[np.ndarray]:
        """The frame strip, or None without frames to show."""
        if not self.frames_shown:
            return None
        try:
            frames, frame_inds = read_prediction_frames(prediction)
        except (ValueError, FileNotFoundError):
            return None  # no frame_dir/frame_inds in the metainfo
        return figure_to_image(plot_attention_strip(
            frames, prediction.frame_weights, frame_inds, top_k=self.top_k,
            max_shown=self.frames_shown, title=prediction.video_id))
