"""Inference with a trained KGA-Net: one video, or a config's dataset.

* :func:`init_kga_recognizer` -- model from config + checkpoint (MMAction2's
  :func:`~mmaction.apis.init_recognizer`, with the plugin's safe checkpoint
  loader and a device that defaults to CUDA when available);
* :func:`read_video_frames` -- an ``.mp4``/``.avi``/... file (OpenCV) or a
  folder of PNG/JPG frames (natural order) into the frames the model sees,
  sampled as the test pipeline's ``SampleUpToFrames`` samples;
* :func:`split_test_pipeline` -- a test pipeline cut after its decoding
  step: what comes before loads frames, what comes after (resize, crop,
  ``FormatShape``, ``PackActionInputs``) turns frames into model inputs;
* :func:`predict_video` / :func:`predict_dataset` -- the video branch on
  decoded frames (through :func:`~mmaction.apis.inference_recognizer`),
  keeping the attention weights, the center distances and, on request, the
  decoded frames;
* :func:`dataset_features` / :func:`embed_clip` -- backbone features of the
  frames or images of a dataset (Fig. 1 projections);
* :func:`top_k_frames` -- the highest-attention frames of a video.

Frame indices are 0-based positions in the video (for a folder: in natural
file-name order), whatever the file numbering starts at.
"""
import copy
import inspect
import os
import os.path as osp
import warnings
from dataclasses import dataclass, field
from typing import Iterator, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
import torch.nn as nn
from mmaction.apis import inference_recognizer, init_recognizer
from mmaction.registry import DATASETS
from mmaction.structures import ActionDataSample
from mmengine.config import Config, ConfigDict
from mmengine.dataset import Compose, pseudo_collate

from ..datasets.transforms import SampleUpToFrames
from ..datasets.frame_folder import list_frames, read_frames
from ..datasets.transforms.loading import to_rgb_uint8
from ..datasets.video_list_dataset import VIDEO_EXTENSIONS
from ..engine import load_weights, register_safe_checkpoint_loader
from ..models.recognizers import KGARecognizer

#: Transforms that decode frames into ``results['imgs']``: a test pipeline
#: is cut after the first of them (see :func:`split_test_pipeline`).
DECODE_TRANSFORMS = ('RawFrameDecode', 'DecordDecode', 'PyAVDecode',
                     'PIMSDecode', 'OpenCVDecode', 'LoadImageAsFrames')
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


def video_dataset_cfg(cfg: Config,
                      split: Optional[str] = None,
                      max_frames: Optional[int] = None) -> ConfigDict:
    """The config's test dataset, optionally on another split.

    Args:
        cfg (Config): The full config.
        split (str, optional): Overrides the dataset's ``split``
            (``'train'``/``'val'`` for BUSV).
        max_frames (int, optional): Overrides ``max_frames`` of the test
            pipeline's ``SampleUpToFrames``.

    Returns:
        ConfigDict: A copy of ``cfg.test_dataloader.dataset``.

    Raises:
        ValueError: If the dataset has no ``split`` argument to override, or
            the pipeline no ``SampleUpToFrames`` for ``max_frames``.
    """
    dataset_cfg = copy.deepcopy(cfg.test_dataloader.dataset)
    if split is not None:
        if 'split' not in dataset_cfg:
            raise ValueError(f'the test dataset {dataset_cfg["type"]} has '
                             'no split to choose')
        dataset_cfg.split = split
    if max_frames is not None:
        samplers = [t for t in dataset_cfg.pipeline
                    if t['type'] == SampleUpToFrames.__name__]
        if not samplers:
            raise ValueError('max_frames needs a SampleUpToFrames step in '
                             'the test pipeline')
        for sampler in samplers:
            sampler['max_frames'] = max_frames
    return dataset_cfg


def image_dataset_cfg(cfg: Config) -> ConfigDict:
    """The keyframe-image dataset of the config's training data.

    Args:
        cfg (Config): The full config; its ``train_dataloader.dataset`` is a
            :class:`MixedVideoImageDataset` with an ``image`` dataset.

    Returns:
        ConfigDict: A copy of the image dataset config.

    Raises:
        ValueError: If the training dataset has no image part.
    """
    train_cfg = cfg.train_dataloader.dataset
    if train_cfg.get('image') is None:
        raise ValueError(f'the training dataset {train_cfg.get("type")} has '
                         'no image dataset (KGA-Net trains on a '
                         'MixedVideoImageDataset with `image=`)')
    return copy.deepcopy(train_cfg.image)


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


@dataclass
class VideoPrediction:
    """The video branch's output for one video.

    Attributes:
        video_id (str): Video name.
        label (int): Ground-truth class, -1 if unknown.
        pred_score (np.ndarray): Class probabilities, ``[K]``.
        frame_weights (np.ndarray): Attention weight per frame, ``[T]``.
        frame_scores (np.ndarray): Frame classifier probabilities,
            ``[T, K]``.
        center_distances (np.ndarray | None): L2 distance of each frame
            feature to each class center, ``[T, K]`` (None without
            centers).
        frame_inds (np.ndarray): 0-based index of each frame in the video.
        frames (list[np.ndarray] | None): The decoded frames (RGB, before
            resizing), when asked for.
    """
    video_id: str
    label: int
    pred_score: np.ndarray
    frame_weights: np.ndarray
    frame_scores: np.ndarray
    center_distances: Optional[np.ndarray]
    frame_inds: np.ndarray
    frames: Optional[List[np.ndarray]] = None

    @property
    def pred_label(self) -> int:
        """Predicted class."""
        return int(np.argmax(self.pred_score))

    def own_center_distances(self) -> Tuple[np.ndarray, bool]:
        """Distance of each frame to its video's class center (eq. 2).

        Returns:
            tuple[np.ndarray, bool]: The distances ``[T]``, and whether the
            class is the ground truth (True) or, the label being unknown,
            the predicted class (False).

        Raises:
            ValueError: If the model has no class centers.
        """
        if self.center_distances is None:
            raise ValueError('the model has no class centers (no '
                             'loss_center in its head)')
        known = self.label >= 0
        cls = self.label if known else self.pred_label
        return self.center_distances[:, cls], known


def top_k_frames(weights: Sequence[float], k: int) -> np.ndarray:
    """Positions of the ``k`` highest attention weights, highest first.

    Ties keep temporal order (the earlier frame ranks first).

    Args:
        weights (Sequence[float]): Weights, ``[T]``.
        k (int): How many; more than ``T`` gives all ``T``.

    Returns:
        np.ndarray: ``min(k, T)`` positions into ``weights``.
    """
    if k < 0:
        raise ValueError(f'k must be >= 0, got {k}')
    weights = np.asarray(weights, dtype=np.float64).reshape(-1)
    return np.argsort(-weights, kind='stable')[:k]


def _to_numpy(value: Optional[torch.Tensor]) -> Optional[np.ndarray]:
    return None if value is None else value.detach().cpu().numpy()


class NonFiniteScoreError(ValueError):
    """The model gave NaN or infinite outputs for a video, so no diagnosis
    can be reported from them (its weights are usually non-finite: a
    diverged run)."""


def _check_finite(outputs: dict, source: str) -> None:
    """Raise :class:`NonFiniteScoreError` naming ``source`` and the first
    output that is not finite.

    Args:
        outputs (dict): Name -> array (None entries are skipped).
        source (str): The video file, folder or id, for the message.
    """
    for name, values in outputs.items():
        if values is not None and not np.isfinite(values).all():
            raise NonFiniteScoreError(
                f'{source}: the model gave non-finite {name} '
                f'({np.asarray(values).ravel()[:4].tolist()}...); no '
                'diagnosis is reported. The checkpoint probably holds NaN '
                'or inf weights (a diverged run?).')


def _as_prediction(sample: ActionDataSample, results: dict,
                   keep_frames: bool, source: str) -> VideoPrediction:
    """Collect a prediction after checking that its outputs are finite.

    Raises:
        NonFiniteScoreError: If a score, weight or distance is NaN or inf.
    """
    start = results.get('start_index', 0)
    label = results.get('label', -1)
    label = int(label) if np.ndim(label) == 0 else -1
    outputs = dict(
        scores=_to_numpy(sample.pred_score),
        attention_weights=_to_numpy(sample.frame_weights),
        frame_scores=_to_numpy(sample.frame_scores),
        center_distances=_to_numpy(sample.get('center_distances')))
    _check_finite(outputs, source)
    return VideoPrediction(
        video_id=str(results.get('video_id', '')),
        label=label,
        pred_score=outputs['scores'],
        frame_weights=outputs['attention_weights'],
        frame_scores=outputs['frame_scores'],
        center_distances=outputs['center_distances'],
        frame_inds=np.asarray(results['frame_inds']).astype(np.int64) - start,
        frames=list(results['imgs']) if keep_frames else None)


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
def predict_video(model: nn.Module, video: VideoFrames,
                  pipeline: Optional[Sequence[dict]] = None,
                  keep_frames: bool = False) -> VideoPrediction:
    """Run the video branch on frames read by :func:`read_video_frames`.

    Args:
        model (nn.Module): From :func:`init_kga_recognizer`.
        video (VideoFrames): The frames.
        pipeline (Sequence[dict], optional): Transforms after decoding.
            Defaults to the post-decoding part of the model config's test
            pipeline (:func:`split_test_pipeline`).
        keep_frames (bool): Return the frames too. Defaults to False.

    Returns:
        VideoPrediction: With label -1.

    Raises:
        NonFiniteScoreError: If the model's outputs are not finite.
    """
    if pipeline is None:
        _, pipeline = split_test_pipeline(
            model.cfg.test_dataloader.dataset.pipeline)
    results = _frames_to_results(video)
    kept = dict(results)
    sample = inference_recognizer(model, results, Compose(pipeline))
    return _as_prediction(sample, kept, keep_frames, video.source)


def spread_indices(total: int, num: Optional[int]) -> List[int]:
    """``num`` indices spread evenly over ``range(total)`` (all if None).

    Datasets are often sorted by class, so the first ``num`` items could
    all be of one class; evenly spread ones are not.
    """
    if num is None or num >= total:
        return list(range(total))
    if num < 1:
        raise ValueError(f'need at least one item, got {num}')
    return sorted({int(round(i)) for i in np.linspace(0, total - 1, num)})


def select_videos(dataset, num_videos: Optional[int] = None,
                  video_ids: Optional[Sequence[str]] = None) -> List[int]:
    """Indices of the videos of a dataset to process.

    Args:
        dataset: A dataset whose items have ``video_id``.
        num_videos (int, optional): Take this many, evenly spread over the
            dataset (:func:`spread_indices`). Defaults to all.
        video_ids (Sequence[str], optional): Take these videos, in this
            order (``video_id`` or ``video_name``); overrides
            ``num_videos``.

    Returns:
        list[int]: Dataset indices.

    Raises:
        ValueError: If a requested video is not in the dataset.
    """
    if not video_ids:
        return spread_indices(len(dataset), num_videos)
    index_of = {}
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        for key in ('video_id', 'video_name'):
            if key in info:
                index_of.setdefault(str(info[key]), i)
    missing = [v for v in video_ids if v not in index_of]
    if missing:
        raise ValueError(f'videos not in the dataset: {", ".join(missing)}')
    return [index_of[v] for v in video_ids]


@torch.no_grad()
def predict_dataset(model: nn.Module,
                    dataset_cfg: ConfigDict,
                    num_videos: Optional[int] = None,
                    video_ids: Optional[Sequence[str]] = None,
                    keep_frames: bool = False) -> Iterator[VideoPrediction]:
    """Run the video branch on videos of a dataset config, one at a time.

    The dataset is built with the loading part of its pipeline; frames then
    go through the rest (:func:`split_test_pipeline`), so the decoded frames
    can be returned for the figures.

    Args:
        model (nn.Module): From :func:`init_kga_recognizer`.
        dataset_cfg (ConfigDict): E.g. from :func:`video_dataset_cfg`.
        num_videos (int, optional): See :func:`select_videos`.
        video_ids (Sequence[str], optional): See :func:`select_videos`.
        keep_frames (bool): Keep the decoded frames. Defaults to False.

    Yields:
        VideoPrediction: One per video.

    Raises:
        NonFiniteScoreError: If the model's outputs for a video are not
            finite.
    """
    dataset, pipeline = build_loading_dataset(dataset_cfg)
    pipeline = Compose(pipeline)
    for index in select_videos(dataset, num_videos, video_ids):
        results = dataset[index]
        kept = dict(results)
        if keep_frames:  # later transforms may work in place
            kept['imgs'] = [img.copy() for img in results['imgs']]
        sample = inference_recognizer(model, results, pipeline)
        source = kept.get('frame_dir', kept.get('filename', str(index)))
        yield _as_prediction(sample, kept, keep_frames, source)


@torch.no_grad()
def dataset_features(
        model: nn.Module,
        dataset_cfg: ConfigDict,
        num_items: Optional[int] = None,
        after_decode: Optional[Sequence[dict]] = None
) -> Iterator[Tuple[np.ndarray, int]]:
    """Backbone features of the frames of each item of a dataset.

    Args:
        model (nn.Module): From :func:`init_kga_recognizer`.
        dataset_cfg (ConfigDict): A video or image dataset config.
        num_items (int, optional): Items to take, evenly spread
            (:func:`spread_indices`). Defaults to all.
        after_decode (Sequence[dict], optional): Transforms after decoding
            instead of the dataset pipeline's own (e.g. the test pipeline's
            for images of a training dataset).

    Yields:
        tuple[np.ndarray, int]: Features ``[T, C']`` (``T = 1`` for an
        image) and the item's label (-1 if none).
    """
    dataset, pipeline = build_loading_dataset(dataset_cfg, after_decode)
    pipeline = Compose(pipeline)
    for index in spread_indices(len(dataset), num_items):
        results = dataset[index]
        label = results.get('label', -1)
        label = int(label) if np.ndim(label) == 0 else -1
        yield embed_clip(model, pipeline(results)).numpy(), label


def build_loading_dataset(dataset_cfg: ConfigDict,
                          after_decode: Optional[Sequence[dict]] = None):
    """Build a dataset, in test mode, whose pipeline stops after decoding.

    Args:
        dataset_cfg (ConfigDict): A dataset config with a ``pipeline``.
        after_decode (Sequence[dict], optional): Transforms to apply after
            decoding instead of the dataset pipeline's own.

    Returns:
        tuple: The dataset (items are decoded frames in ``imgs``) and the
        list of transforms that turn an item into model inputs.
    """
    dataset_cfg = copy.deepcopy(dataset_cfg)
    loading, rest = split_test_pipeline(dataset_cfg.pipeline)
    dataset_cfg.pipeline = loading
    dataset_cfg.test_mode = True
    return DATASETS.build(dataset_cfg), list(
        rest if after_decode is None else after_decode)


@torch.no_grad()
def embed_clip(model: nn.Module, packed: dict) -> torch.Tensor:
    """Backbone features of one packed clip or image (after
    ``PackActionInputs``).

    Args:
        model (nn.Module): A :class:`KGARecognizer`.
        packed (dict): ``inputs`` ``[T, C, H, W]`` and ``data_samples``.

    Returns:
        torch.Tensor: ``[T, C']`` on the CPU, as the head sees them
        (after the recognizer's ``feature_activation``).
    """
    data = model.data_preprocessor(pseudo_collate([packed]), False)
    # untagged samples are videos: [1, T, C, H, W] -> [T, C, H, W]
    clip = data['inputs']['video'].flatten(0, 1)
    return model.embed(clip).cpu()  # [T, C']
