from collections import Counter

import pytest

from kga_mmaction.datasets import MixedSourceSampler


class FakeMixed:
    """Stands in for MixedVideoImageDataset: videos first, then images."""

    def __init__(self, num_videos, num_images):
        self.num_videos, self.num_images = num_videos, num_images

    def source_indices(self, source):
        if source == 'video':
            return list(range(self.num_videos))
        return list(range(self.num_videos,
                          self.num_videos + self.num_images))

    def is_video(self, idx):
        return idx < self.num_videos


def sampler_for_rank(dataset, rank, world_size, **kwargs):
    sampler = MixedSourceSampler(dataset, **kwargs)
    # what get_dist_info() reports on each rank of a world
    sampler.rank, sampler.world_size = rank, world_size
    share = -(-len(sampler.video_indices) // world_size)
    sampler.num_batches = -(-share // sampler.videos_per_batch)
    return sampler


def batches(sampler, batch_size):
    indices = list(sampler)
    assert len(indices) == len(sampler)
    return [indices[i:i + batch_size]
            for i in range(0, len(indices), batch_size)]


@pytest.mark.parametrize('batch_size,fraction,nv', [(16, 0.5, 8), (8, 0.25,
                                                                   2),
                                                    (6, 0.5, 3)])
def test_every_batch_has_the_ratio(batch_size, fraction, nv):
    data = FakeMixed(30, 100)
    sampler = MixedSourceSampler(data, batch_size=batch_size,
                                 video_fraction=fraction, seed=1)
    for batch in batches(sampler, batch_size):
        assert len(batch) == batch_size
        assert sum(data.is_video(i) for i in batch) == nv


def test_an_epoch_covers_every_video_once():
    data = FakeMixed(32, 100)
    sampler = MixedSourceSampler(data, batch_size=16, seed=3)
    videos = [i for i in sampler if data.is_video(i)]
    assert sorted(videos) == list(range(32))
    images = [i for i in sampler if not data.is_video(i)]
    assert len(set(images)) == len(images) == 32


def test_deterministic_for_a_seed_and_reshuffled_by_epoch():
    data = FakeMixed(20, 50)
    first = list(MixedSourceSampler(data, batch_size=8, seed=7))
    assert first == list(MixedSourceSampler(data, batch_size=8, seed=7))
    assert first != list(MixedSourceSampler(data, batch_size=8, seed=8))
    sampler = MixedSourceSampler(data, batch_size=8, seed=7)
    sampler.set_epoch(1)
    assert list(sampler) != first


def test_two_ranks_get_disjoint_shares():
    data = FakeMixed(21, 40)
    ranks = [list(sampler_for_rank(data, r, 2, batch_size=8, seed=5))
             for r in range(2)]
    assert len(ranks[0]) == len(ranks[1])
    videos = [{i for i in r if data.is_video(i)} for r in ranks]
    assert not videos[0] & videos[1]
    assert videos[0] | videos[1] == set(range(21))
    images = [[i for i in r if not data.is_video(i)] for r in ranks]
    # 3 batches x 4 images per rank, from one pass over 40 images
    assert not set(images[0]) & set(images[1])


def test_few_images_are_reused_in_new_passes():
    data = FakeMixed(40, 6)
    images = [i for i in MixedSourceSampler(data, batch_size=8, seed=0)
              if not data.is_video(i)]
    assert len(images) == 40
    assert set(Counter(images).values()) <= {6, 7}


@pytest.mark.parametrize('kwargs', [dict(video_fraction=0.),
                                    dict(video_fraction=1.),
                                    dict(batch_size=1)])
def test_bad_arguments(kwargs):
    args = dict(batch_size=8, video_fraction=0.5)
    args.update(kwargs)
    with pytest.raises(ValueError):
        MixedSourceSampler(FakeMixed(4, 4), **args)
