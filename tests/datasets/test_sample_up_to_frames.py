import numpy as np
import pytest
from mmaction.registry import TRANSFORMS


def sample(total, max_frames, start_index=0):
    transform = TRANSFORMS.build(
        dict(type='SampleUpToFrames', max_frames=max_frames))
    return transform(dict(total_frames=total, start_index=start_index))


def test_short_video_gives_all_frames():
    out = sample(5, 128)
    assert out['frame_inds'].tolist() == [0, 1, 2, 3, 4]
    assert out['num_clips'] == 5 and out['clip_len'] == 1


def test_long_video_gives_segment_centres():
    # 10 frames into 4 segments of 2.5: centres 1.25, 3.75, 6.25, 8.75
    assert sample(10, 4)['frame_inds'].tolist() == [1, 3, 6, 8]
    out = sample(1000, 128, start_index=1)
    inds = out['frame_inds']
    assert len(inds) == 128 and len(np.unique(inds)) == 128
    assert inds.min() >= 1 and inds.max() <= 1000


def test_empty_video_is_named():
    transform = TRANSFORMS.build(dict(type='SampleUpToFrames'))
    with pytest.raises(ValueError, match='videos/x12: empty video'):
        transform(dict(total_frames=0, start_index=0,
                       frame_dir='videos/x12'))
