"""Run an exported KGA-Net (fp32 or int8) in ONNX Runtime.

:class:`OnnxVideoModel` checks the frames against the model's metadata
(uint8, ``[T, 3, H, W]`` at the exported size, ``T <= max_frames``) before
running them; :func:`predict_video_onnx` is :func:`predict_video`'s
counterpart for ``tools/infer.py --backend onnxruntime``, and
:func:`dataset_predictions` scores a dataset (the test set, for the AUC of
an int8 model before it is deployed).
"""
import copy
import os.path as osp
from dataclasses import replace
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
from mmaction.registry import TRANSFORMS
from mmengine.dataset import Compose

from ..apis.features import build_loading_dataset
from ..apis.inference import (VideoFrames, _frames_to_results,
                              check_video_frames, model_input_shape)
from ..evaluation import VideoPrediction
from .graph import INPUT_NAME, OUTPUT_NAMES
from .onnx_export import read_metadata, require_deploy_packages


def as_model_frames(frames) -> np.ndarray:
    """uint8 ``[T, 3, H, W]`` from uint8 frames, or float frames holding
    raw pixel values (whole numbers in 0-255, as the pipeline leaves them).

    Raises:
        ValueError: For float frames outside 0-255 or not whole numbers
            (normalised frames, which the model normalises again).
    """
    frames = np.asarray(frames)
    if frames.dtype == np.uint8:
        return np.ascontiguousarray(frames)
    if not np.issubdtype(frames.dtype, np.floating):
        raise ValueError(f'frames must be uint8 or float, got {frames.dtype}')
    if (frames.size and (frames.min() < 0 or frames.max() > 255
                         or not np.allclose(frames, np.round(frames)))):
        raise ValueError(
            'float frames must hold raw pixel values (whole numbers in '
            f'0-255), got values in [{frames.min():.3g}, {frames.max():.3g}]'
            ': the ONNX model normalises the frames itself; do not '
            'normalise them first')
    return np.round(frames).astype(np.uint8)


class OnnxVideoModel:
    """An exported KGA-Net in an ONNX Runtime session.

    Args:
        path (str): The ``.onnx`` file (from :func:`export_onnx` or
            :func:`quantize_int8`).
        num_threads (int, optional): Intra-op threads. Defaults to None
            (ONNX Runtime's choice).
        spin (bool): Let idle threads spin-wait for the next call (ONNX
            Runtime's default). False frees the cores between calls, for
            other work in the same process (a benchmark that interleaves
            PyTorch). Defaults to True.
    """

    def __init__(self, path: str, num_threads: Optional[int] = None,
                 spin: bool = True) -> None:
        _, ort = require_deploy_packages()
        if not osp.isfile(path):
            raise FileNotFoundError(f'ONNX model not found: {path}')
        options = ort.SessionOptions()
        if num_threads is not None:
            options.intra_op_num_threads = num_threads
        if not spin:
            options.add_session_config_entry(
                'session.intra_op.allow_spinning', '0')
        self.path = path
        self.session = ort.InferenceSession(
            path, options, providers=['CPUExecutionProvider'])
        self.metadata = read_metadata(self.session)
        missing = {'input_size', 'max_frames', 'classes',
                   'positive_index'} - set(self.metadata)
        if missing:
            raise ValueError(f'{path} is not a KGA-Net export (metadata '
                             f'{sorted(missing)} missing)')
        self.input_size = tuple(self.metadata['input_size'])
        self.max_frames = int(self.metadata['max_frames'])
        self.classes = tuple(self.metadata['classes'])
        self.positive_index = int(self.metadata['positive_index'])

    def __call__(self, frames) -> Dict[str, np.ndarray]:
        """``logits`` ``[K]``, ``probabilities`` ``[K]`` and
        ``frame_weights`` ``[T]`` of one video's frames ``[T, 3, H, W]``
        (see :func:`as_model_frames`)."""
        frames = as_model_frames(frames)
        if (frames.ndim != 4 or frames.shape[1] != 3
                or tuple(frames.shape[2:]) != self.input_size
                or not 1 <= frames.shape[0] <= self.max_frames):
            raise ValueError(
                f'{self.path} takes frames [T, 3, {self.input_size[0]}, '
                f'{self.input_size[1]}] with 1 <= T <= {self.max_frames}, '
                f'got {tuple(frames.shape)}')
        outputs = self.session.run(list(OUTPUT_NAMES), {INPUT_NAME: frames})
        return dict(zip(OUTPUT_NAMES, outputs))


def _compose(pipeline: Sequence[dict]) -> Compose:
    """Transforms built from MMAction2's registry (whatever the default
    scope)."""
    return Compose([TRANSFORMS.build(copy.deepcopy(t)) for t in pipeline])


def pack_frames(video: VideoFrames, pipeline: Sequence[dict]) -> np.ndarray:
    """The model input ``[T, 3, H, W]`` that ``pipeline`` (the test
    transforms after reading) makes of the video's frames."""
    packed = _compose(pipeline)(_frames_to_results(video))
    return packed['inputs'].numpy()


def predict_video_onnx(model: OnnxVideoModel, video: VideoFrames,
                       pipeline: Sequence[dict]) -> VideoPrediction:
    """:func:`~kga_mmaction.apis.predict_video` through ONNX Runtime.

    Returns:
        VideoPrediction: ``pred_score``, ``pred_label``, ``pred_logits``,
        ``frame_weights`` and ``frame_inds`` (0-based positions in the
        video).

    Raises:
        UnreliableInputError: If the frames fail the input checks.
        NonFiniteScoreError: If the model's outputs are not finite.
    """
    check_video_frames(video, model_input_shape(video, pipeline))
    outputs = model(pack_frames(video, pipeline))
    is_folder = osp.isdir(video.source)
    prediction = VideoPrediction(
        pred_score=outputs['probabilities'].astype(np.float32),
        pred_label=int(outputs['probabilities'].argmax()),
        pred_logits=outputs['logits'],
        frame_weights=outputs['frame_weights'],
        video_id=osp.splitext(osp.basename(video.source))[0],
        frame_inds=video.frame_inds.astype(np.int64),
        frame_dir=video.source if is_folder else None,
        filename=None if is_folder else video.source)
    prediction.check_finite()
    return prediction


def dataset_frames(dataset_cfg, limit: Optional[int] = None,
                   spread: bool = False
                   ) -> Iterator[Tuple[str, int, np.ndarray]]:
    """``(video id, label, uint8 frames [T, 3, H, W])`` of each video of a
    dataset config, through its test pipeline: all of them, or ``limit``
    of them (the first, or ``spread`` evenly over the dataset)."""
    dataset, rest = build_loading_dataset(dataset_cfg)
    transform = _compose(rest)
    indices = range(len(dataset))
    if limit is not None and limit < len(dataset):
        indices = (np.linspace(0, len(dataset) - 1, limit).round().astype(
            int).tolist() if spread else range(limit))
    for i in indices:
        packed = transform(dataset[i])
        sample = packed['data_samples']
        label = sample.gt_label
        label = int(label.item() if hasattr(label, 'item') else label)
        frames = packed['inputs'].numpy()
        if frames.ndim == 5:  # [1, T, 3, H, W] -> [T, 3, H, W]
            frames = frames[0]
        video_id = sample.metainfo.get('video_id', str(i))
        yield video_id, label, frames


def dataset_predictions(models: Dict[str, OnnxVideoModel], dataset_cfg,
                        limit: Optional[int] = None) -> List[dict]:
    """Positive-class probability of every video under each model.

    Returns:
        list[dict]: One per video: ``video_id``, ``label`` and, per model
        name, its probability of the positive class.
    """
    rows = []
    for video_id, label, frames in dataset_frames(dataset_cfg, limit):
        row = dict(video_id=video_id, label=label)
        for name, model in models.items():
            probs = model(frames)['probabilities']
            row[name] = float(probs[model.positive_index])
        rows.append(row)
    return rows
