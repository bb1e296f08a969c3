import pytest
import torch
from builders import make_sample
from mmaction.registry import MODELS


def build():
    return MODELS.build(
        dict(type='MixedSourceDataPreprocessor', mean=[10.] * 3,
             std=[2.] * 3))


def test_splits_by_source_and_orders_videos_first():
    inputs = [torch.full((1, 3, 4, 4), 12.), torch.full((3, 3, 4, 4), 14.),
              torch.full((2, 3, 4, 4), 16.)]
    samples = [make_sample(0, 'image'), make_sample(1), make_sample(0)]
    out = build()(dict(inputs=inputs, data_samples=samples))
    video, image = out['inputs']['video'], out['inputs']['image']
    assert video.shape == (2, 3, 3, 4, 4)
    assert image.shape == (1, 1, 3, 4, 4)
    assert [s.metainfo.get('source', 'video') for s in out['data_samples']
            ] == ['video', 'video', 'image']
    # normalised: (14 - 10) / 2 = 2, (16 - 10) / 2 = 3, (12 - 10) / 2 = 1
    assert video[0].unique().tolist() == [2.]
    assert video[1, :2].unique().tolist() == [3.]
    assert image.unique().tolist() == [1.]
    # the shorter clip is padded in time and its length recorded
    assert [s.num_frames for s in out['data_samples'][:2]] == [3, 2]


def test_untagged_samples_are_videos():
    sample = make_sample(0)
    sample.set_metainfo(dict(source='video'))
    del sample.source
    out = build()(dict(inputs=[torch.zeros(2, 3, 4, 4)],
                       data_samples=[sample]))
    assert out['inputs']['video'].shape == (1, 2, 3, 4, 4)
    assert out['inputs']['image'] is None


def test_unknown_source_is_refused():
    with pytest.raises(ValueError, match='audio'):
        build()(dict(inputs=[torch.zeros(1, 3, 4, 4)],
                     data_samples=[make_sample(0, 'audio')]))


def test_mixed_frame_sizes_within_a_source_are_refused():
    with pytest.raises(ValueError, match='different frame shapes'):
        build()(dict(inputs=[torch.zeros(2, 3, 4, 4),
                             torch.zeros(2, 3, 5, 5)],
                     data_samples=[make_sample(0), make_sample(1)]))
