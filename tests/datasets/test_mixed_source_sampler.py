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


def test_an_epoch_covers_the_larger_source_once():
    data = FakeMixed(32, 100)
    sampler = MixedSourceSampler(data, batch_size=16, seed=3)
    assert len(sampler) == 13 * 16  # ceil(100 images / 8 per batch)
    images = [i for i in sampler if not data.is_video(i)]
    assert sorted(set(images)) == list(range(32, 132))
    assert len(images) == 104  # 4 images of a second pass fill batch 13
    videos = [i for i in sampler if data.is_video(i)]
    # 104 video slots: three full passes over the 32 videos, then 8 more
    for p in range(3):
        assert sorted(videos[32 * p:32 * (p + 1)]) == list(range(32))


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
    # the images set the epoch: 20 per rank, 4 per batch -> 5 batches
    assert len(ranks[0]) == len(ranks[1]) == 5 * 8
    images = [[i for i in r if not data.is_video(i)] for r in ranks]
    assert not set(images[0]) & set(images[1])
    assert set(images[0]) | set(images[1]) == set(range(21, 61))
    # the first pass over the videos: 11 on rank 0, 10 on rank 1
    first = [[i for i in r if data.is_video(i)][:10] for r in ranks]
    assert not set(first[0]) & set(first[1])


def test_few_images_are_reused_in_new_passes():
    data = FakeMixed(40, 6)
    sampler = MixedSourceSampler(data, batch_size=8, seed=0)
    images = [i for i in sampler if not data.is_video(i)]
    assert len(images) == 40  # the 40 videos set the epoch: 10 batches
    assert set(Counter(images).values()) <= {6, 7}
    assert sorted(i for i in sampler if data.is_video(i)) == list(range(40))


@pytest.mark.parametrize('kwargs', [dict(video_fraction=0.),
                                    dict(video_fraction=1.),
                                    dict(batch_size=1)])
def test_bad_arguments(kwargs):
    args = dict(batch_size=8, video_fraction=0.5)
    args.update(kwargs)
    with pytest.raises(ValueError):
        MixedSourceSampler(FakeMixed(4, 4), **args)
