"""One dataset over video clips and keyframe images (KGA-Net training)."""
from typing import List, Optional, Union

from mmaction.registry import DATASETS
from mmengine.dataset import BaseDataset

from ..sources import SOURCES, VIDEO


@DATASETS.register_module()
class MixedVideoImageDataset:
    """Concatenates a video dataset and an image dataset, tagging sources.

    Indices ``[0, len(video))`` are videos and the rest are images. Each
    sample's data sample carries ``source`` (``'video'`` or ``'image'``) in
    its metainfo, which :class:`MixedSourceDataPreprocessor` and
    :class:`MixedSourceBatchSampler` use to batch the two sources in a fixed
    ratio. The image pipeline decides how an image reaches the model: a
    single frame for KGA-Net, or a static clip of T frames for 3D baselines
    (``LoadImageAsFrames(num_frames=T)``).

    Args:
        video (dict | BaseDataset): The video dataset (or its config).
        image (dict | BaseDataset): The image dataset (or its config).
        lazy_init (bool): Defer loading the annotations until
            :meth:`full_init`. Defaults to False.
    """

    def __init__(self,
                 video: Union[dict, BaseDataset],
                 image: Union[dict, BaseDataset],
                 lazy_init: bool = False) -> None:
        self.datasets = [
            DATASETS.build(d) if isinstance(d, dict) else d
            for d in (video, image)
        ]
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        """dict: the video dataset's metainfo (classes...)."""
        return self.datasets[0].metainfo

    def full_init(self) -> None:
        """Load both datasets' annotations."""
        if self._fully_initialized:
            return
        for dataset in self.datasets:
            dataset.full_init()
        video, image = self.datasets
        if len(video) == 0:
            raise ValueError('MixedVideoImageDataset: the video dataset is '
                             'empty')
        if len(image) == 0:
            raise ValueError('MixedVideoImageDataset: the image dataset is '
                             'empty')
        video_classes = video.metainfo.get('classes')
        image_classes = image.metainfo.get('classes')
        if video_classes and image_classes and \
                tuple(video_classes) != tuple(image_classes):
            raise ValueError(
                f'Video classes {tuple(video_classes)} and image classes '
                f'{tuple(image_classes)} differ: labels would not match')
        self._fully_initialized = True

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)

    def source_indices(self, source: str) -> List[int]:
        """Indices of this dataset that come from ``source``.

        Args:
            source (str): ``'video'`` or ``'image'``.

        Returns:
            list[int]: Indices into this dataset.
        """
        if source not in SOURCES:
            raise ValueError(f'Unknown source {source!r}; expected one of '
                             f'{SOURCES}')
        num_videos = len(self.datasets[0])
        if source == VIDEO:
            return list(range(num_videos))
        return list(range(num_videos, len(self)))

    def _locate(self, idx: int):
        if idx < 0:
            idx += len(self)
        if not 0 <= idx < len(self):
            raise IndexError(f'index {idx} out of range for a '
                             f'MixedVideoImageDataset of {len(self)}')
        num_videos = len(self.datasets[0])
        if idx < num_videos:
            return 0, idx
        return 1, idx - num_videos

    def get_data_info(self, idx: int) -> dict:
        """Annotation of sample ``idx``, with its ``source``."""
        which, local = self._locate(idx)
        info = self.datasets[which].get_data_info(local)
        info['source'] = SOURCES[which]
        return info

    def __getitem__(self, idx: int) -> Optional[dict]:
        which, local = self._locate(idx)
        data = self.datasets[which][local]
        data['data_samples'].set_metainfo(dict(source=SOURCES[which]))
        return data
