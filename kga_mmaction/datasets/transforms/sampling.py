"""Frame sampling for whole-video inference."""
import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform


@TRANSFORMS.register_module()
class SampleUpToFrames(BaseTransform):
    """Sample every frame of a video, or ``max_frames`` spread uniformly.

    KGA-Net and the baselines are tested on up to 128 frames per video
    (paper, section 4.1): a shorter video gives all its frames, a longer one
    the centre frame of each of ``max_frames`` equal segments. The frames
    form one clip of ``num_clips`` single-frame segments, as 2D recognizers
    expect after ``FormatShape('NCHW')``.

    Required keys: ``total_frames``, ``start_index``.
    Added keys: ``frame_inds``, ``clip_len``, ``frame_interval``,
    ``num_clips``.

    Args:
        max_frames (int): Most frames to sample. Defaults to 128.
    """

    def __init__(self, max_frames: int = 128) -> None:
        if max_frames < 1:
            raise ValueError(f'max_frames must be >= 1, got {max_frames}')
        self.max_frames = max_frames

    def transform(self, results: dict) -> dict:
        """Choose the frame indices.

        Args:
            results (dict): The pipeline state.

        Returns:
            dict: ``results`` with the sampled ``frame_inds``.
        """
        total = results['total_frames']
        if total < 1:
            source = results.get('frame_dir', results.get('filename'))
            raise ValueError(f'{source}: empty video (0 frames)')
        if total <= self.max_frames:
            inds = np.arange(total)
        else:  # centre of each of max_frames equal segments
            inds = ((np.arange(self.max_frames) + 0.5) * total /
                    self.max_frames).astype(np.int64)
        results['frame_inds'] = (inds + results['start_index']).astype(
            np.int32)
        results['clip_len'] = 1
        results['frame_interval'] = None
        results['num_clips'] = len(inds)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(max_frames={self.max_frames})'
