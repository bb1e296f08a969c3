"""Inference with a trained KGA-Net on one video (``tools/infer.py``).

* :func:`init_kga_recognizer` -- model from config + checkpoint (MMAction2's
  :func:`~mmaction.apis.init_recognizer`, with the plugin's safe checkpoint
  loader and a device that defaults to CUDA when available);
* :func:`read_video_frames` -- an ``.mp4``/``.avi``/... file (OpenCV) or a
  folder of PNG/JPG frames (natural order) into the frames the model sees,
  sampled as the test pipeline's ``SampleUpToFrames`` samples;
* :func:`split_test_pipeline` -- a test pipeline cut after its decoding
  step: what comes before loads frames, what comes after (resize, crop,
  ``FormatShape``, ``PackActionInputs``) turns frames into model inputs;
* :func:`predict_video` -- the video branch on decoded frames (through
  :func:`~mmaction.apis.inference_recognizer`), keeping the attention
  weights and the center distances.

Frame indices are 0-based positions in the video (for a folder: in natural
file-name order), whatever the file numbering starts at.

A test set is predicted by ``tools/test.py --out-predictions`` instead
(:class:`~kga_mmaction.evaluation.DumpPredictions`); the analysis tools read
that file (:func:`~kga_mmaction.evaluation.load_predictions`).
"""
import copy
import inspect
import os
import os.path as osp
import warnings
from dataclasses import dataclass, field, replace
from typing import List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
import torch.nn as nn
from mmaction.apis import inference_recognizer, init_recognizer
from mmaction.registry import DATASETS
from mmengine.config import Config, ConfigDict
from mmengine.dataset import Compose

from ..datasets.transforms import SampleUpToFrames
from ..datasets.frame_folder import list_frames, read_frames
from ..datasets.pipeline_edits import DECODE_TRANSFORMS
from ..datasets.transforms.loading import to_rgb_uint8
from ..datasets.video_list_dataset import VIDEO_EXTENSIONS
from ..engine import load_weights, register_safe_checkpoint_loader
from ..evaluation import VideoPrediction
from ..models.recognizers import KGARecognizer

#: Class whose probability the tools report.
POSITIVE_CLASS = 'malignant'
#: A video file whose decodable frames are fewer than this fraction of the
#: frame count its container header states gets a
#: :class:`TruncatedVideoWarning` (header counts are estimates that may be
#: off by a few frames; a truncated file falls far short).
MIN_DECODED_FRACTION = 0.9


class TruncatedVideoWarning(UserWarning):
    """A video file decodes far fewer frames than its header claims: it is
    probably truncated, and the diagnosis sees only the frames before the
    cut."""


def default_device() -> str:
    """``'cuda'`` when a GPU is visible, else ``'cpu'``."""
    return 'cuda' if torch.cuda.is_available() else 'cpu'


def init_kga_recognizer(config: Union[str, Config],
                        checkpoint: str,
                        device: Optional[str] = None,
                        trust_checkpoint: bool = False,
                        allow_partial: bool = False) -> nn.Module:
    """Build a KGA-Net from its config and load a checkpoint.

    Uses MMAction2's :func:`~mmaction.apis.init_recognizer` (which drops the
    backbone's ``pretrained`` URL, moves the model to ``device`` and sets
    eval mode), then :func:`~kga_mmaction.engine.load_weights`: a
    checkpoint of another architecture is an error, not a warning over a
    half-random model. The file goes through the plugin's safe loader unless
    ``trust_checkpoint``.

    Args:
        config (str | Config): Config file or object.
        checkpoint (str): Checkpoint file.
        device (str, optional): Torch device. Defaults to
            :func:`default_device`.
        trust_checkpoint (bool): Unpickle anything in the checkpoint.
            Defaults to False.
        allow_partial (bool): Load only the weights that fit instead of
            raising. Defaults to False.

    Returns:
        nn.Module: The recognizer, in eval mode, with ``cfg`` set.

    Raises:
        FileNotFoundError: If ``config`` or ``checkpoint`` is missing.
        ValueError: If the config's model is not a :class:`KGARecognizer`.
        CheckpointMismatchError: If the checkpoint's weights do not fit it
            and ``allow_partial`` is False.
    """
    if isinstance(config, (str, os.PathLike)):
        if not osp.isfile(config):
            raise FileNotFoundError(f'config file not found: {config}')
        config = Config.fromfile(config)
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint file not found: {checkpoint}')
    register_safe_checkpoint_loader(trust=trust_checkpoint)
    model = init_recognizer(config, None, device=device or default_device())
    if not isinstance(model, KGARecognizer):
        raise ValueError(f'the config builds a {type(model).__name__}; '
                         'frame attention needs a KGARecognizer')
    load_weights(model, checkpoint, allow_partial=allow_partial)
    return model


def config_max_frames(cfg: Config) -> int:
    """``max_frames`` of the config's :class:`KGARecognizer` (its default
    when the config does not set it)."""
    default = inspect.signature(KGARecognizer).parameters['max_frames']
    return int(cfg.model.get('max_frames', default.default))


def dataset_classes(dataset_cfg: ConfigDict) -> Tuple[str, ...]:
    """Class names of a dataset config, without building the dataset.

    Args:
        dataset_cfg (ConfigDict): A dataset config with ``type``.

    Returns:
        tuple[str]: ``metainfo.classes``, else ``classes``, else the
        dataset class's ``METAINFO['classes']``.

    Raises:
        ValueError: If none is set.
    """
    metainfo = dataset_cfg.get('metainfo') or {}
    classes = metainfo.get('classes', dataset_cfg.get('classes'))
    if classes is None:
        dataset_type = DATASETS.get(dataset_cfg['type'])
        classes = getattr(dataset_type, 'METAINFO', {}).get('classes')
    if not classes:
        raise ValueError(f'dataset {dataset_cfg["type"]} names no classes')
    return tuple(classes)


def positive_index(classes: Sequence[str],
                   positive: str = POSITIVE_CLASS) -> int:
    """Index of the positive class.

    Raises:
        ValueError: If ``positive`` is not among ``classes``.
    """
    if positive not in classes:
        raise ValueError(f'positive class {positive!r} not among the '
                         f'dataset classes {tuple(classes)}')
    return list(classes).index(positive)


def split_test_pipeline(
        pipeline: Sequence[dict]) -> Tuple[List[dict], List[dict]]:
    """Cut a test pipeline after its decoding step.

    Args:
        pipeline (Sequence[dict]): Transform configs, e.g. ``[
            SampleUpToFrames, RawFrameDecode, Resize, FormatShape,
            PackActionInputs]``.

    Returns:
        tuple[list[dict], list[dict]]: The loading part (up to and
        including the first of :data:`DECODE_TRANSFORMS`) and the rest.

    Raises:
        ValueError: If no step decodes frames.
    """
    pipeline = [copy.deepcopy(t) for t in pipeline]
    for i, transform in enumerate(pipeline):
        if transform.get('type') in DECODE_TRANSFORMS:
            return pipeline[:i + 1], pipeline[i + 1:]
    raise ValueError('the test pipeline has no decoding step (one of '
                     f'{", ".join(DECODE_TRANSFORMS)})')


@dataclass
class VideoFrames:
    """Frames sampled from one video file or frame folder.

    Attributes:
        source (str): The file or folder.
        frames (list[np.ndarray]): ``H x W x 3`` uint8 RGB frames, ``T``.
        frame_inds (np.ndarray): 0-based index of each frame in the video.
        total_frames (int): Frames in the whole video.
        frame_files (list[str]): For a folder, the file of each frame.
    """
    source: str
    frames: List[np.ndarray]
    frame_inds: np.ndarray
    total_frames: int
    frame_files: List[str] = field(default_factory=list)


def sample_indices(total_frames: int, max_frames: int,
                   source: str = '<video>') -> np.ndarray:
    """Indices :class:`SampleUpToFrames` picks: all, or ``max_frames`` spread
    uniformly."""
    results = SampleUpToFrames(max_frames)(
        dict(total_frames=total_frames, start_index=0, filename=source))
    return results['frame_inds'].astype(np.int64)


def _read_frame_folder(folder: str, max_frames: int) -> VideoFrames:
    files = list_frames(folder)
    inds = sample_indices(len(files), max_frames, folder)
    sampled = [files[i] for i in inds]
    return VideoFrames(folder, read_frames(sampled), inds, len(files),
                       sampled)


def _open_video(path: str):
    capture = cv2.VideoCapture(path)
    if not capture.isOpened():
        capture.release()
        raise ValueError(f'cannot decode video file {path} (corrupt, '
                         'truncated or an unsupported format)')
    return capture


def _read_video_file(path: str, max_frames: int) -> VideoFrames:
    """Decode with OpenCV: two sequential passes, no seeking.

    The first pass counts the frames that actually decode (container
    headers may be wrong; far fewer than the header states gives a
    :class:`TruncatedVideoWarning` with both counts), the second keeps the
    sampled ones. decord 0.6
    was not used: it returns 4-channel frames for some sizes (48x40 MPEG-4)
    and then fails in ``get_batch``.
    """
    if osp.splitext(path)[1].lower() not in VIDEO_EXTENSIONS:
        raise ValueError(f'not a video file ({", ".join(VIDEO_EXTENSIONS)}) '
                         f'nor a frame folder: {path}')
    if os.stat(path).st_size == 0:
        raise ValueError(f'video file is empty (0 bytes): {path}')
    capture = _open_video(path)
    header_total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    total = 0
    while capture.grab():
        total += 1
    capture.release()
    if total < 1:
        raise ValueError(f'video file has no decodable frames: {path}')
    if total < MIN_DECODED_FRACTION * header_total:
        warnings.warn(
            f'video file {path} decodes {total} frames but its header says '
            f'{header_total}: it is probably truncated or damaged, and only '
            f'the {total} decodable frames are diagnosed',
            TruncatedVideoWarning)
    inds = sample_indices(total, max_frames, path)
    wanted = set(inds.tolist())
    frames = []
    capture = _open_video(path)
    for index in range(inds[-1] + 1):
        if not capture.grab():
            break
        if index in wanted:
            ok, frame = capture.retrieve()
            if not ok:
                break
            frames.append(to_rgb_uint8(frame, path))
    capture.release()
    if len(frames) != len(inds):
        raise ValueError(f'video file {path} decoded {total} frames once '
                         f'but only {len(frames)} of the {len(inds)} sampled '
                         'ones the second time (corrupt?)')
    return VideoFrames(path, frames, inds, total)


def read_video_frames(path: str, max_frames: int = 128) -> VideoFrames:
    """Read the frames of a video file or a folder of frames.

    ``max_frames`` frames are picked as :class:`SampleUpToFrames` picks
    them (every frame of a short video; the centre of each of
    ``max_frames`` equal segments of a long one), and only those are kept
    in memory.

    Args:
        path (str): A video file (``.mp4``, ``.avi``, ...; decoded with
            OpenCV) or a folder of PNG/JPG/BMP frames (natural file-name
            order: ``f2.png`` before ``f10.png``).
        max_frames (int): Most frames to sample. Defaults to 128.

    Returns:
        VideoFrames: RGB uint8 frames and their indices.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If the file is empty, corrupt or not a video, the
            folder holds no frames or frames of different sizes. The
            message names the file or folder.
    """
    path = osp.abspath(osp.expanduser(path))
    if osp.isdir(path):
        return _read_frame_folder(path, max_frames)
    if not osp.exists(path):
        raise FileNotFoundError(f'no such video file or frame folder: {path}')
    return _read_video_file(path, max_frames)


def _frames_to_results(video: VideoFrames) -> dict:
    """Pipeline state after decoding, as ``RawFrameDecode`` leaves it."""
    height, width = video.frames[0].shape[:2]
    return dict(
        imgs=list(video.frames),
        original_shape=(height, width),
        img_shape=(height, width),
        frame_inds=video.frame_inds.copy(),
        total_frames=video.total_frames,
        start_index=0,
        clip_len=1,
        frame_interval=None,
        num_clips=len(video.frames),
        modality='RGB',
        video_id=osp.splitext(osp.basename(video.source))[0])


@torch.no_grad()
def predict_video(model: nn.Module,
                  video: VideoFrames,
                  pipeline: Optional[Sequence[dict]] = None
                  ) -> VideoPrediction:
    """Run the video branch on frames read by :func:`read_video_frames`.

    Args:
        model (nn.Module): From :func:`init_kga_recognizer`.
        video (VideoFrames): The frames.
        pipeline (Sequence[dict], optional): Transforms after decoding.
            Defaults to the post-decoding part of the model config's test
            pipeline (:func:`split_test_pipeline`).

    Returns:
        VideoPrediction: Without ground truth; ``frame_inds`` are 0-based
        positions in the video.

    Raises:
        NonFiniteScoreError: If the model's outputs are not finite.
    """
    if pipeline is None:
        _, pipeline = split_test_pipeline(
            model.cfg.test_dataloader.dataset.pipeline)
    results = _frames_to_results(video)
    sample = inference_recognizer(model, results, Compose(pipeline))
    is_folder = osp.isdir(video.source)
    prediction = replace(
        VideoPrediction.from_sample(sample),
        video_id=results['video_id'],
        frame_inds=video.frame_inds.astype(np.int64),
        frame_dir=video.source if is_folder else None,
        filename=None if is_folder else video.source)
    prediction.check_finite()
    return prediction
