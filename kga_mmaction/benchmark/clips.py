"""Frames of the synthetic videos, read by a config's test pipeline.

The benchmark has no loader of its own: :class:`VideoClips` builds the
config's test dataset on the synthetic BUSV root, as the test dataloader
would, and runs the config's test pipeline on its videos, changed only in
the number of frames and, where asked, their size (:func:`clip_pipeline`).
"""
import copy
import os.path as osp
import tempfile
from typing import Dict, List, Optional, Sequence

import torch
from mmaction.registry import DATASETS
from mmengine.dataset import Compose

from kga_mmaction.datasets.busi.layout import BUSI_FOLDER
from kga_mmaction.datasets.busv.layout import BUSV_SPLITS
from kga_mmaction.synthetic import BUSV_DIRNAME, make_synthetic_datasets
from .builders import REPO_ROOT, load_cfg, train_batch

#: ``make demo``'s data.
DEFAULT_DATA_ROOT = osp.join(REPO_ROOT, 'data', 'busv-like')
#: Transforms that choose the frame indices of a test clip.
FRAME_SAMPLERS = ('SampleFrames', 'UniformSample', 'DenseSampleFrames',
                  'SampleUpToFrames')
#: Frame size of a pipeline that neither crops nor resizes to a fixed size.
DEFAULT_CLIP_SIZE = 224
#: Views of one test sample for each cropping transform.
CROPS = dict(CenterCrop=1, ThreeCrop=3, TenCrop=10)


def pipeline_clip_shape(pipeline: Sequence[dict]) -> dict:
    """What one sample of a test pipeline holds, read off its transforms.

    Args:
        pipeline (Sequence[dict]): Transform configs.

    Returns:
        dict: ``clip_len``, ``num_clips``, ``crops`` (views per clip),
        ``size`` (frame side; ``None`` where no transform fixes it) and
        ``input_format``.
    """
    clip_len, num_clips, crops, size, fmt = 1, 1, 1, None, 'NCHW'
    for t in pipeline:
        kind = t['type']
        if kind == 'SampleUpToFrames':
            num_clips = t.get('max_frames', 128)
        elif kind in FRAME_SAMPLERS:
            clip_len = t.get('clip_len', 1)
            num_clips = t.get('num_clips', 1)
        elif kind in CROPS:
            crop = t['crop_size']
            size = crop if isinstance(crop, int) else crop[0]
            crops = CROPS[kind]
        elif kind == 'Resize' and size is None and not t.get(
                'keep_ratio', True):
            scale = t['scale']
            size = scale if isinstance(scale, int) else scale[0]
        elif kind == 'FormatShape':
            fmt = t['input_format']
    return dict(clip_len=clip_len, num_clips=num_clips, crops=crops,
                size=size, input_format=fmt)


def clip_pipeline(pipeline: Sequence[dict], num_frames: int,
                  size: int) -> List[dict]:
    """A test pipeline that gives ``num_frames`` frames of ``size`` px.

    The frame sampler becomes MMAction2's ``SampleFrames`` in test mode
    with ``num_frames`` single-frame clips (spread over the video, repeated
    when it is shorter); where the pipeline's frames are not ``size`` x
    ``size``, a ``Resize`` to that size goes before ``FormatShape``. Every
    other transform is kept.

    Args:
        pipeline (Sequence[dict]): A config's test pipeline.
        num_frames (int): Frames per clip.
        size (int): Frame side in pixels.

    Returns:
        list[dict]: The transform configs.

    Raises:
        ValueError: The pipeline has no frame sampler or no ``FormatShape``.
    """
    kinds = [t['type'] for t in pipeline]
    if not set(kinds) & set(FRAME_SAMPLERS) or 'FormatShape' not in kinds:
        raise ValueError('a test pipeline needs a frame sampler (one of '
                         f'{", ".join(FRAME_SAMPLERS)}) and FormatShape; '
                         f'got {kinds}')
    resize = pipeline_clip_shape(pipeline)['size'] != size
    out = []
    for t in pipeline:
        if t['type'] in FRAME_SAMPLERS:
            t = dict(type='SampleFrames', clip_len=1, frame_interval=1,
                     num_clips=num_frames, test_mode=True)
        elif t['type'] == 'FormatShape' and resize:
            out.append(dict(type='Resize', scale=(size, size),
                            keep_ratio=False))
        out.append(copy.deepcopy(t))
    return out


class VideoClips:
    """The synthetic BUSV videos, read by a config's test pipeline.

    The config's test dataset is built on ``<data_root>/busv`` once for
    every split (the benchmark times videos, not a split). The videos are
    ordered one of each class in turn (each class by frame folder), so that
    any first few hold both classes.

    Args:
        config (str): Config whose ``test_dataloader.dataset`` (a
            ``BUSVDataset``) and test pipeline are used.
        data_root (str): Synthetic data root (holds ``busv/``).
    """

    def __init__(self, config: str, data_root: str) -> None:
        dataset_cfg = load_cfg(config).test_dataloader.dataset
        self.pipeline = list(dataset_cfg.pipeline)
        per_class = {}
        for split in BUSV_SPLITS:
            dataset = DATASETS.build(
                dict(dataset_cfg, data_root=osp.join(data_root, BUSV_DIRNAME),
                     split=split, pipeline=[]))
            for index in range(len(dataset)):
                info = dataset.get_data_info(index)
                per_class.setdefault(info['label'], []).append(info)
        by_folder = [
            sorted(per_class[label], key=lambda info: info['frame_dir'])
            for label in sorted(per_class)
        ]
        self.videos = [info for turn in zip(*by_folder) for info in turn]
        if not self.videos:
            raise FileNotFoundError(
                f'{osp.join(data_root, BUSV_DIRNAME)}: needs a video of '
                f'each class; found classes {sorted(per_class)}')
        self._pipelines: Dict[tuple, Compose] = {}

    def __len__(self) -> int:
        return len(self.videos)

    def label(self, index: int) -> int:
        """The class of video ``index``."""
        return int(self.videos[index]['label'])

    def clip(self, index: int, num_frames: int, size: int) -> torch.Tensor:
        """``num_frames`` frames of video ``index`` (modulo the number of
        videos) through the test pipeline (:func:`clip_pipeline`): uint8
        ``[num_frames, 3, size, size]``."""
        key = (num_frames, size)
        if key not in self._pipelines:
            self._pipelines[key] = Compose(
                clip_pipeline(self.pipeline, num_frames, size))
        info = copy.deepcopy(self.videos[index % len(self.videos)])
        # FormatShape transposes without copying; a dense [T, 3, H, W]
        # clip gives every model the same memory layout to start from
        return self._pipelines[key](info)['inputs'].contiguous()


def train_inputs(sz: dict, clips: VideoClips, replicate: bool) -> dict:
    """The train section's mixed batch: ``train_videos`` clips of
    ``train_frames`` frames, then ``train_images`` single frames as images,
    all at ``train_size``; ``replicate``: each image repeated to
    ``train_frames`` frames."""
    num_frames, size = sz['train_frames'], sz['train_size']
    videos = [clips.clip(i, num_frames, size)
              for i in range(sz['train_videos'])]
    images = [clips.clip(i, 1, size) for i in range(sz['train_images'])]
    if replicate:  # [1, 3, H, W] -> [T, 3, H, W]
        images = [img.expand(num_frames, -1, -1, -1).contiguous()
                  for img in images]
    return train_batch(videos, images)


def ensure_data_root(path: Optional[str], quick: bool) -> tuple:
    """A synthetic data root (``busv/`` + ``Dataset_BUSI_with_GT/``): the
    given or default one, else a new one in a temp dir.

    Returns:
        tuple[str, str | None]: The root, and the temp dir to remove at
        exit (``None`` for an existing root).
    """
    path = path or DEFAULT_DATA_ROOT
    if (osp.isdir(osp.join(path, BUSV_DIRNAME))
            and osp.isdir(osp.join(path, BUSI_FOLDER))):
        return path, None
    tmp = tempfile.mkdtemp(prefix='kga-benchmark-')
    out = osp.join(tmp, 'synthetic')
    if quick:
        busv = dict(num_benign=6, num_malignant=6, frames=(8, 10),
                    size=(32, 32))
        busi = dict(num_benign=8, num_malignant=8, num_normal=0,
                    size=(32, 32))
    else:
        busv = dict(num_benign=8, num_malignant=8)
        busi = dict(num_benign=16, num_malignant=16, num_normal=0)
    make_synthetic_datasets(out, busv=busv, busi=busi, progress=False)
    return out, tmp
