from .busi import BUSIDataset
from .busv import BUSVDataset, apply_cross_validation
from .mixed_video_image_dataset import MixedVideoImageDataset
from .samplers import *  # noqa: F401,F403
from .transforms import *  # noqa: F401,F403
from .video_list_dataset import VideoListDataset

__all__ = [
    'BUSIDataset', 'BUSVDataset', 'MixedVideoImageDataset',
    'VideoListDataset', 'apply_cross_validation'
]
