"""Inference with a trained KGA-Net on one video (``tools/infer.py``).

* :func:`init_kga_recognizer` -- model from config + checkpoint (MMAction2's
  :func:`~mmaction.apis.init_recognizer`, with the plugin's safe checkpoint
  loader and a device that defaults to CUDA when available);
* :func:`read_video_frames` -- an ``.mp4``/``.avi``/... file (OpenCV) or a
  folder holding one numbered sequence of frames
  (:mod:`~kga_mmaction.datasets.frame_folder`) into the frames the model
  sees, sampled as the test pipeline's ``SampleUpToFrames`` samples and
  resized as they are read, so that memory does not grow with the source
  resolution;
* :func:`split_test_pipeline` -- a test pipeline cut after its decoding
  step: what comes before loads frames, what comes after (resize, crop,
  ``FormatShape``, ``PackActionInputs``) turns frames into model inputs;
  :func:`read_resize_step` splits off the resize applied as frames are
  read;
* :func:`check_video_frames` -- the input checks of
  :mod:`~kga_mmaction.datasets.input_sanity` (blank video, frames far
  smaller than the model input): a clip that fails one is refused with an
  :class:`UnreliableInputError`;
* :func:`predict_video` -- the video branch on decoded frames (through
  :func:`~mmaction.apis.inference_recognizer`), keeping the attention
  weights and the center distances; it refuses frames that fail the
  checks.

Frame indices are 0-based positions in the video (for a folder: in
frame-number order), whatever the file numbering starts at.

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
from typing import Callable, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
import torch.nn as nn
from mmaction.apis import inference_recognizer, init_recognizer
from mmaction.registry import DATASETS, TRANSFORMS
from mmengine.config import Config, ConfigDict
from mmengine.dataset import Compose

from ..datasets.frame_folder import read_frames, scan_frame_folder
from ..datasets.input_sanity import INPUT_SANITY, InputSanity
from ..datasets.problems import (Problem, broken_symlink_target,
                                 format_problems)
from ..datasets.transforms import SampleUpToFrames
from ..datasets.pipeline_edits import DECODE_TRANSFORMS
from ..datasets.transforms.loading import to_rgb_uint8
from ..datasets.video_file import VIDEO_EXTENSIONS, is_video_file
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


class StrayFrameFileWarning(UserWarning):
    """A frame folder holds image files without a frame number; they are
    left out of the video (see :mod:`~kga_mmaction.datasets.frame_folder`).
    """


class UnreliableInputError(ValueError):
    """Frames that fail the input checks: no diagnosis is made from them.

    Args:
        source (str): The video file or folder.
        problems (Sequence[Problem]): The failed checks.
    """

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        super().__init__(
            f'{source}: no diagnosis is made from this input, it fails '
            f'the input checks:\n{format_problems(problems)}')
        self.source = source
        self.problems = list(problems)


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


def read_resize_step(
        pipeline: Sequence[dict]) -> Tuple[Optional[dict], List[dict]]:
    """Split off the resize that frames get as they are read.

    Args:
        pipeline (Sequence[dict]): The transforms after decoding (the
            second part of :func:`split_test_pipeline`).

    Returns:
        tuple: The first step when it is a (not lazy) ``Resize``, else None;
        and the steps after it (all of them when there is none).
    """
    pipeline = [copy.deepcopy(t) for t in pipeline]
    if (pipeline and pipeline[0].get('type') in ('Resize', 'mmaction.Resize')
            and not pipeline[0].get('lazy', False)):
        return pipeline[0], pipeline[1:]
    return None, pipeline


def pipeline_after_reading(
        cfg: Config) -> Tuple[Optional[dict], List[dict]]:
    """The resize applied as frames are read and the transforms after it,
    from the config's test pipeline (:func:`split_test_pipeline`, then
    :func:`read_resize_step`)."""
    _, after_decoding = split_test_pipeline(
        cfg.test_dataloader.dataset.pipeline)
    return read_resize_step(after_decoding)


def frame_resizer(resize: dict) -> Callable[[np.ndarray], np.ndarray]:
    """One frame through a ``Resize`` config, as the pipeline resizes it.

    Args:
        resize (dict): A ``Resize`` transform config.

    Returns:
        Callable: ``H x W x 3`` frame -> resized frame.
    """
    transform = TRANSFORMS.build(copy.deepcopy(resize))

    def apply(frame: np.ndarray) -> np.ndarray:
        results = dict(imgs=[frame], img_shape=frame.shape[:2],
                       modality='RGB')
        return transform(results)['imgs'][0]

    return apply


@dataclass
class VideoFrames:
    """Frames sampled from one video file or frame folder.

    Attributes:
        source (str): The file or folder.
        frames (list[np.ndarray]): ``H x W x 3`` uint8 RGB frames, ``T``.
        frame_inds (np.ndarray): 0-based index of each frame in the video.
        total_frames (int): Frames in the whole video.
        frame_shape (tuple[int, int]): ``(H, W)`` of the frames in the
            source, before any resize.
        frame_files (list[str]): For a folder, the file of each frame.
        resize (dict, optional): The ``Resize`` config the frames got as
            they were read; None if they are at the source size.
    """
    source: str
    frames: List[np.ndarray]
    frame_inds: np.ndarray
    total_frames: int
    frame_shape: Tuple[int, int]
    frame_files: List[str] = field(default_factory=list)
    resize: Optional[dict] = None


def sample_indices(total_frames: int, max_frames: int,
                   source: str = '<video>') -> np.ndarray:
    """Indices :class:`SampleUpToFrames` picks: all, or ``max_frames`` spread
    uniformly."""
    results = SampleUpToFrames(max_frames)(
        dict(total_frames=total_frames, start_index=0, filename=source))
    return results['frame_inds'].astype(np.int64)


def _read_frame_folder(
        folder: str, max_frames: int,
        transform: Optional[Callable[[np.ndarray], np.ndarray]]
) -> VideoFrames:
    sequence = scan_frame_folder(folder)
    if sequence.stray_files:
        warnings.warn(sequence.stray_warning(), StrayFrameFileWarning)
    inds = sample_indices(len(sequence.files), max_frames, folder)
    sampled = [sequence.files[i] for i in inds]
    frames, shape = read_frames(sampled, transform)
    return VideoFrames(folder, frames, inds, len(sequence.files), shape,
                       sampled)


def _open_video(path: str):
    capture = cv2.VideoCapture(path)
    if not capture.isOpened():
        capture.release()
        raise ValueError(f'cannot decode video file {path} (corrupt, '
                         'truncated or an unsupported format)')
    return capture


def _read_video_file(
        path: str, max_frames: int,
        transform: Optional[Callable[[np.ndarray], np.ndarray]]
) -> VideoFrames:
    """Decode with OpenCV: two sequential passes, no seeking.

    The first pass counts the frames that actually decode (container
    headers may be wrong; far fewer than the header states gives a
    :class:`TruncatedVideoWarning` with both counts), the second keeps the
    sampled ones, each through ``transform`` as soon as it is decoded.
    decord 0.6 was not used: it returns 4-channel frames for some sizes
    (48x40 MPEG-4) and then fails in ``get_batch``.
    """
    if os.stat(path).st_size == 0:
        raise ValueError(f'video file is empty (0 bytes): {path}')
    if not is_video_file(path):
        raise ValueError(
            f'not a video file ({", ".join(VIDEO_EXTENSIONS)}, or no '
            f'extension and content OpenCV decodes) nor a frame folder: '
            f'{path}')
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
    frames, shape = [], None
    capture = _open_video(path)
    for index in range(inds[-1] + 1):
        if not capture.grab():
            break
        if index in wanted:
            ok, frame = capture.retrieve()
            if not ok:
                break
            frame = to_rgb_uint8(frame, path)
            shape = frame.shape[:2]
            frames.append(frame if transform is None else transform(frame))
    capture.release()
    if len(frames) != len(inds):
        raise ValueError(f'video file {path} decoded {total} frames once '
                         f'but only {len(frames)} of the {len(inds)} sampled '
                         'ones the second time (corrupt?)')
    return VideoFrames(path, frames, inds, total, shape)


def read_video_frames(path: str,
                      max_frames: int = 128,
                      resize: Optional[dict] = None) -> VideoFrames:
    """Read the frames of a video file or a folder of frames.

    ``max_frames`` frames are picked as :class:`SampleUpToFrames` picks
    them (every frame of a short video; the centre of each of
    ``max_frames`` equal segments of a long one), and only those are kept
    in memory, each resized by ``resize`` as soon as it is decoded.

    Args:
        path (str): A video file (``.mp4``, ``.avi``, ..., or no extension;
            decoded with OpenCV) or a folder of frames (one numbered
            sequence of PNG/JPG/BMP/TIFF/WebP files, see
            :mod:`~kga_mmaction.datasets.frame_folder`; image files without
            a frame number are left out with a
            :class:`StrayFrameFileWarning`).
        max_frames (int): Most frames to sample. Defaults to 128.
        resize (dict, optional): A ``Resize`` transform config applied to
            each frame as it is read: the test pipeline's first step after
            decoding (:func:`pipeline_after_reading`). Defaults to
            None (frames at the source size).

    Returns:
        VideoFrames: RGB uint8 frames and their indices.

    Raises:
        FileNotFoundError: If ``path`` does not exist, or is a broken
            symbolic link (named as such).
        ValueError: If the file is empty, corrupt or not a video, the
            folder holds no frames, a frame number twice, several naming
            patterns or frames of different sizes. The message names the
            file or folder.
    """
    path = osp.abspath(osp.expanduser(path))
    transform = None if resize is None else frame_resizer(resize)
    if osp.isdir(path):
        video = _read_frame_folder(path, max_frames, transform)
    elif not osp.exists(path):
        target = broken_symlink_target(path)
        if target is not None:
            raise FileNotFoundError(
                f'broken symbolic link to {target}: {path}')
        raise FileNotFoundError(f'no such video file or frame folder: {path}')
    else:
        video = _read_video_file(path, max_frames, transform)
    video.resize = None if resize is None else dict(resize)
    return video


def model_input_shape(video: VideoFrames,
                      pipeline: Sequence[dict]) -> Tuple[int, int]:
    """``(H, W)`` of the model input that ``pipeline`` makes of the video's
    frames (one frame is run through it).

    Args:
        video (VideoFrames): The frames.
        pipeline (Sequence[dict]): The transforms after reading (see
            :func:`remaining_test_pipeline`).

    Returns:
        tuple[int, int]: The last two dimensions of the packed inputs.
    """
    one = VideoFrames(video.source, video.frames[:1], video.frame_inds[:1],
                      video.total_frames, video.frame_shape)
    packed = Compose([TRANSFORMS.build(copy.deepcopy(t))
                      for t in pipeline])(_frames_to_results(one))
    return tuple(int(d) for d in packed['inputs'].shape[-2:])


def check_video_frames(video: VideoFrames,
                       input_shape: Optional[Tuple[int, int]] = None,
                       sanity: InputSanity = INPUT_SANITY) -> None:
    """Refuse frames that fail the input checks.

    Args:
        video (VideoFrames): The frames.
        input_shape (tuple[int, int], optional): ``(H, W)`` of the model
            input (:func:`model_input_shape`); None checks the size against
            the absolute floor only.
        sanity (InputSanity): The thresholds. Defaults to
            :data:`~kga_mmaction.datasets.input_sanity.INPUT_SANITY`.

    Raises:
        UnreliableInputError: (a ValueError) If the video is mostly blank
            or its frames are far smaller than the model input; the message
            names the source and every failed check.
    """
    problems = sanity.check_clip(video.source, video.frames,
                                 video.frame_shape, input_shape)
    if problems:
        raise UnreliableInputError(video.source, problems)


def remaining_test_pipeline(cfg: Config, video: VideoFrames) -> List[dict]:
    """The config's test transforms that the video's frames still need:
    those after decoding, less the resize they got as they were read.

    Raises:
        ValueError: If the frames were resized as read with another
            ``Resize`` than the test pipeline's first step.
    """
    resize, rest = pipeline_after_reading(cfg)
    if video.resize is None:
        return ([] if resize is None else [resize]) + rest
    if resize is None or dict(resize) != video.resize:
        raise ValueError(
            f'the frames of {video.source} were resized as read with '
            f'{video.resize}, but the test pipeline resizes with {resize}')
    return rest


def _frames_to_results(video: VideoFrames) -> dict:
    """Pipeline state after decoding (and the resize applied as read), as
    ``RawFrameDecode`` (and ``Resize``) leave it."""
    return dict(
        imgs=list(video.frames),
        original_shape=tuple(video.frame_shape),
        img_shape=video.frames[0].shape[:2],
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

    The frames are checked first (:func:`check_video_frames`, against the
    input ``pipeline`` makes): no prediction is made from frames that fail.

    Args:
        model (nn.Module): From :func:`init_kga_recognizer`.
        video (VideoFrames): The frames.
        pipeline (Sequence[dict], optional): Transforms the frames still
            need. Defaults to those of the model config's test pipeline
            (:func:`remaining_test_pipeline`).

    Returns:
        VideoPrediction: Without ground truth; ``frame_inds`` are 0-based
        positions in the video.

    Raises:
        UnreliableInputError: If the frames fail the input checks.
        NonFiniteScoreError: If the model's outputs are not finite.
    """
    if pipeline is None:
        pipeline = remaining_test_pipeline(model.cfg, video)
    check_video_frames(video, model_input_shape(video, pipeline))
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
