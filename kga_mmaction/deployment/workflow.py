"""What the deployment tools do, from a config: export a checkpoint,
quantize the export on training videos, and score a test set through
ONNX models (``tools/deployment/*.py`` parse arguments and call these)."""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.config import Config
from mmengine.registry import init_default_scope

from ..apis.features import video_dataset_cfg
from ..apis.inference import (VideoFrames, config_max_frames,
                              dataset_classes, frame_resizer,
                              init_kga_recognizer, model_input_shape,
                              pipeline_after_reading, positive_index)
from ..evaluation.functional.roc import roc_analysis
from .onnx_export import ExportCheck, ExportTolerance, export_onnx
from .onnx_runtime import OnnxVideoModel, dataset_frames, dataset_predictions
from .quantization import quantize_int8


def model_input_size(cfg: Config) -> Tuple[int, int]:
    """``(H, W)`` of the model input that the config's test pipeline
    makes (one blank 256x256 frame is run through it)."""
    resize, rest = pipeline_after_reading(cfg)
    frame = np.zeros((256, 256, 3), np.uint8)
    if resize is not None:
        frame = frame_resizer(resize)(frame)
    video = VideoFrames('<size probe>', [frame], np.zeros(1, np.int64), 1,
                        (256, 256))
    return model_input_shape(video, rest)


def _video_dataset_cfg(cfg: Config, split: Optional[str] = None):
    """:func:`video_dataset_cfg`, with the config's registry scope set (so
    that its transforms build without a model built first)."""
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    return video_dataset_cfg(cfg, split=split)


def _has_videos(dataset_cfg) -> bool:
    root = dataset_cfg.get('data_root')
    return root is None or osp.isdir(root)


def real_check_frames(cfg: Config, num_videos: int
                      ) -> Dict[str, np.ndarray]:
    """Frames of the first ``num_videos`` test videos, by name; none when
    the config's test data is not on this machine."""
    dataset_cfg = _video_dataset_cfg(cfg)
    if num_videos < 1 or not _has_videos(dataset_cfg):
        return {}
    return {f'test video {video_id}': frames for video_id, _, frames in
            dataset_frames(dataset_cfg, num_videos)}


def export_checkpoint(cfg: Config, checkpoint: Optional[str], out: str,
                      check_videos: int = 2,
                      tolerance: ExportTolerance = ExportTolerance(),
                      trust_checkpoint: bool = False,
                      allow_partial: bool = False
                      ) -> List[ExportCheck]:
    """Export the config's model with ``checkpoint`` (None: random weights,
    as the modules initialise themselves; nothing is downloaded) to
    ``out``; see :func:`export_onnx`."""
    classes = dataset_classes(cfg.test_dataloader.dataset)
    if checkpoint is None:
        from mmaction.apis import init_recognizer
        model = init_recognizer(cfg, None, device='cpu')
        source = 'random weights'
    else:
        model = init_kga_recognizer(cfg, checkpoint, 'cpu', trust_checkpoint,
                                    allow_partial)
        source = osp.abspath(checkpoint)
    return export_onnx(
        model, out, model_input_size(cfg), classes, positive_index(classes),
        real_frames=real_check_frames(cfg, check_videos),
        max_frames=config_max_frames(cfg), tolerance=tolerance,
        extra_metadata=dict(checkpoint=source,
                            config=osp.basename(cfg.filename or '')))


def calibration_frames(cfg: Config, num_videos: int) -> List[np.ndarray]:
    """uint8 frames of ``num_videos`` videos of the config's training split
    (through the test pipeline), spread over the split."""
    dataset_cfg = _video_dataset_cfg(cfg, 'train')
    if not _has_videos(dataset_cfg):
        raise FileNotFoundError('calibration needs the training videos: '
                                f'{dataset_cfg.get("data_root")}')
    return [f for _, _, f in dataset_frames(dataset_cfg, num_videos,
                                             spread=True)]


def quantize_export(cfg: Config, fp32_path: str, out: str,
                    calibration_videos: int) -> Dict[str, int]:
    """Int8 model of an fp32 export, calibrated on training videos; returns
    the operators left in float (:func:`quantize_int8`)."""
    frames = calibration_frames(cfg, calibration_videos)
    return quantize_int8(
        fp32_path, out, frames,
        extra_metadata=dict(calibration_videos=len(frames),
                            calibration_split='train'))


def compare_on_test_set(cfg: Config, models: Dict[str, str],
                        reference: str = 'fp32') -> dict:
    """Score the config's test set through each ONNX model.

    Returns:
        dict: ``rows`` (per video), ``auc`` per model, and per other model
        its largest probability difference from ``reference``
        (``max_abs_diff``) and AUC difference (``auc_diff``).
    """
    loaded = {name: OnnxVideoModel(path) for name, path in models.items()}
    rows = dataset_predictions(loaded, _video_dataset_cfg(cfg))
    positive = next(iter(loaded.values())).positive_index
    labels = [int(r['label'] == positive) for r in rows]
    auc = {name: float(roc_analysis([r[name] for r in rows], labels).auc)
           for name in models}
    summary = dict(videos=len(rows), auc=auc, rows=rows)
    if reference in models:
        ref = np.array([r[reference] for r in rows])
        summary['max_abs_diff'] = {
            name: float(np.abs(np.array([r[name] for r in rows]) -
                               ref).max())
            for name in models if name != reference}
        summary['auc_diff'] = {name: auc[name] - auc[reference]
                               for name in models if name != reference}
    return summary
