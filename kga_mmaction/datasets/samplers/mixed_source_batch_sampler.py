"""Batches that hold videos and images in a fixed ratio (KGA-Net's 1:1)."""
import math
from typing import Iterator, List

import torch
from mmaction.registry import DATA_SAMPLERS
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from ...sources import IMAGE, VIDEO


@DATA_SAMPLERS.register_module()
class MixedSourceBatchSampler(Sampler):
    """Yields batches of ``n_v`` videos, then ``n_i`` images.

    A batch sampler: mmengine builds it from ``train_dataloader.batch_sampler``
    and hands it the dataloader's ``batch_size``, so one number sets the
    batch and its layout. ``batch_size`` is the **global** batch, split
    evenly across the ``W`` DDP processes: the paper's 16 (8 videos + 8
    images) stays 8 + 8 on 1 GPU, 4 + 4 per GPU on 2 and 2 + 2 per GPU on
    4, so the learning rate needs no scaling (keep ``auto_scale_lr`` off).
    Each source's share must divide by ``W``.

    The wrapped ``sampler`` (mmengine's ``DefaultSampler``) supplies the
    dataset, the shuffle flag, the seed and the epoch (mmengine calls its
    ``set_epoch``); the order comes from here, because one pass over the
    mixed dataset cannot fill every batch from both sources. An epoch lasts
    until each source has been seen once in full (the larger source sets
    its length); the smaller source is repeated in further passes. Each pass
    over a source is a new permutation (seeded by ``seed + epoch``) split
    across the ranks: every rank takes every ``W``-th index, so no sample is
    repeated across ranks within a pass. All ranks get the same number of
    batches.

    Args:
        sampler (Sampler): The dataloader's sampler, whose ``dataset`` has
            ``source_indices(source)`` (a :class:`MixedVideoImageDataset`).
        batch_size (int): Samples per batch over all processes.
        video_fraction (float): Share of videos in a batch, in (0, 1).
            Defaults to 0.5.
    """

    def __init__(self,
                 sampler: Sampler,
                 batch_size: int,
                 video_fraction: float = 0.5) -> None:
        if not 0 < video_fraction < 1:
            raise ValueError(f'video_fraction must be in (0, 1), got '
                             f'{video_fraction}')
        videos = round(batch_size * video_fraction)
        images = batch_size - videos
        if videos == 0 or images == 0:
            raise ValueError(
                f'batch_size={batch_size} with video_fraction='
                f'{video_fraction} leaves no room for one of the sources')
        self.rank, self.world_size = get_dist_info()
        if videos % self.world_size or images % self.world_size:
            raise ValueError(
                f'The global batch_size={batch_size} ({videos} videos + '
                f'{images} images) does not split evenly across '
                f'{self.world_size} processes; choose a batch whose videos '
                'and images both divide by the number of processes')
        self.sampler = sampler
        self.batch_size = batch_size
        self.videos_per_batch = videos // self.world_size  # on this rank
        self.images_per_batch = images // self.world_size
        self.shuffle = getattr(sampler, 'shuffle', True)
        seed = getattr(sampler, 'seed', None)
        self.seed = sync_random_seed() if seed is None else seed
        dataset = sampler.dataset
        self.video_indices = dataset.source_indices(VIDEO)
        self.image_indices = dataset.source_indices(IMAGE)

    @property
    def num_batches(self) -> int:
        """int: batches per epoch on every rank."""
        return max(
            math.ceil(math.ceil(len(indices) / self.world_size) / per_batch)
            for indices, per_batch in ((self.video_indices,
                                        self.videos_per_batch),
                                       (self.image_indices,
                                        self.images_per_batch)))

    def _stream(self, indices: List[int], length: int,
                generator: torch.Generator) -> List[int]:
        """``length`` indices: this rank's shares of successive passes."""
        stream: List[int] = []
        while len(stream) < length:
            order = (torch.randperm(len(indices), generator=generator).tolist()
                     if self.shuffle else list(range(len(indices))))
            # fewer samples than ranks: every rank sees all of them
            share = order[self.rank::self.world_size] or order
            stream.extend(indices[i] for i in share)
        return stream[:length]

    def __iter__(self) -> Iterator[List[int]]:
        generator = torch.Generator()
        generator.manual_seed(self.seed + getattr(self.sampler, 'epoch', 0))
        nv, ni = self.videos_per_batch, self.images_per_batch
        videos = self._stream(self.video_indices, self.num_batches * nv,
                              generator)
        images = self._stream(self.image_indices, self.num_batches * ni,
                              generator)
        for b in range(self.num_batches):
            yield (videos[b * nv:(b + 1) * nv] + images[b * ni:(b + 1) * ni])

    def __len__(self) -> int:
        return self.num_batches
