from collections import Counter
from unittest import mock

import pytest
from mmengine.dataset import DefaultSampler

from kga_mmaction.datasets import MixedSourceBatchSampler
from kga_mmaction.datasets.samplers import mixed_source_batch_sampler


class FakeMixed:
    """Stands in for MixedVideoImageDataset: videos first, then images."""

    def __init__(self, num_videos, num_images):
        self.num_videos, self.num_images = num_videos, num_images

    def __len__(self):
        return self.num_videos + self.num_images

    def source_indices(self, source):
        if source == 'video':
            return list(range(self.num_videos))
        return list(range(self.num_videos,
                          self.num_videos + self.num_images))

    def is_video(self, idx):
        return idx < self.num_videos


def batch_sampler(dataset, batch_size, seed=0, world_size=1, rank=0,
                  **kwargs):
    """The batch sampler as mmengine builds it around a DefaultSampler, on
    one rank of a world of ``world_size`` (what get_dist_info() reports)."""
    sampler = DefaultSampler(dataset, shuffle=True, seed=seed)
    with mock.patch.object(mixed_source_batch_sampler, 'get_dist_info',
                           return_value=(rank, world_size)):
        return MixedSourceBatchSampler(sampler, batch_size, **kwargs)


def flat(batches):
    return [i for batch in batches for i in batch]


@pytest.mark.parametrize('batch_size,fraction,nv', [(16, 0.5, 8),
                                                    (8, 0.25, 2),
                                                    (6, 0.5, 3)])
def test_every_batch_has_the_ratio_videos_first(batch_size, fraction, nv):
    data = FakeMixed(30, 100)
    batches = list(batch_sampler(data, batch_size, video_fraction=fraction,
                                 seed=1))
    assert len(batches) == len(batch_sampler(data, batch_size,
                                             video_fraction=fraction))
    for batch in batches:
        assert len(batch) == batch_size
        assert [data.is_video(i) for i in batch] == [True] * nv + [False] * (
            batch_size - nv)


def test_the_dataloader_batch_size_is_the_only_batch_size():
    """mmengine hands the dataloader's batch_size to the batch sampler: a
    changed batch (e.g. --cfg-options train_dataloader.batch_size=12) keeps
    its halves, where a separate sampler setting would drift apart."""
    data = FakeMixed(30, 100)
    for batch in batch_sampler(data, 12):
        assert sum(data.is_video(i) for i in batch) == 6
        assert len(batch) == 12


def test_an_epoch_covers_the_larger_source_once():
    data = FakeMixed(32, 100)
    sampler = batch_sampler(data, 16, seed=3)
    assert len(sampler) == 13  # ceil(100 images / 8 per batch)
    indices = flat(sampler)
    images = [i for i in indices if not data.is_video(i)]
    assert sorted(set(images)) == list(range(32, 132))
    assert len(images) == 104  # 4 images of a second pass fill batch 13
    videos = [i for i in indices if data.is_video(i)]
    # 104 video slots: three full passes over the 32 videos, then 8 more
    for p in range(3):
        assert sorted(videos[32 * p:32 * (p + 1)]) == list(range(32))


def test_deterministic_for_a_seed_and_reshuffled_by_the_samplers_epoch():
    data = FakeMixed(20, 50)
    first = list(batch_sampler(data, 8, seed=7))
    assert first == list(batch_sampler(data, 8, seed=7))
    assert first != list(batch_sampler(data, 8, seed=8))
    sampler = batch_sampler(data, 8, seed=7)
    sampler.sampler.set_epoch(1)  # what mmengine calls between epochs
    assert list(sampler) != first


def test_the_global_batch_is_split_across_ranks():
    """The paper's 8 + 8 on 2 processes: 4 + 4 on each, disjoint shares."""
    data = FakeMixed(21, 40)
    ranks = [list(batch_sampler(data, 16, seed=5, world_size=2, rank=r))
             for r in range(2)]
    # the images set the epoch: 20 per rank, 4 per batch -> 5 batches
    assert len(ranks[0]) == len(ranks[1]) == 5
    for batches in ranks:
        for batch in batches:
            assert [data.is_video(i) for i in batch] == [True] * 4 + [
                False] * 4
    images = [[i for i in flat(r) if not data.is_video(i)] for r in ranks]
    assert not set(images[0]) & set(images[1])
    assert set(images[0]) | set(images[1]) == set(range(21, 61))
    # the first pass over the videos: 11 on rank 0, 10 on rank 1
    first = [[i for i in flat(r) if data.is_video(i)][:10] for r in ranks]
    assert not set(first[0]) & set(first[1])


def test_few_images_are_reused_in_new_passes():
    data = FakeMixed(40, 6)
    indices = flat(batch_sampler(data, 8, seed=0))
    images = [i for i in indices if not data.is_video(i)]
    assert len(images) == 40  # the 40 videos set the epoch: 10 batches
    assert set(Counter(images).values()) <= {6, 7}
    assert sorted(i for i in indices if data.is_video(i)) == list(range(40))


@pytest.mark.parametrize('kwargs,message', [
    (dict(video_fraction=0.), 'video_fraction'),
    (dict(video_fraction=1.), 'video_fraction'),
    (dict(batch_size=1), 'no room'),
    (dict(batch_size=12, world_size=4), r'12 \(6 videos \+ 6 images\).*4 '),
])
def test_bad_arguments(kwargs, message):
    args = dict(batch_size=8, video_fraction=0.5)
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        batch_sampler(FakeMixed(4, 4), **args)
