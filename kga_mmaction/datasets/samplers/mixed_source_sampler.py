"""A sampler whose every batch holds videos and images in a fixed ratio."""
import math
from typing import Iterator, List, Optional

import torch
from mmaction.registry import DATA_SAMPLERS
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from ...sources import IMAGE, VIDEO


@DATA_SAMPLERS.register_module()
class MixedSourceSampler(Sampler):
    """Yields indices so that each batch has ``n_v`` videos, then ``n_i``
    images (KGA-Net trains on 1:1 mixed batches).

    ``batch_size`` must equal the dataloader's ``batch_size`` (per GPU): the
    sampler lays out whole batches. An epoch is one pass over the videos:
    each epoch reshuffles both sources with ``seed + epoch``; under DDP each
    rank takes a disjoint share (every ``world_size``-th index) of each
    source's permutation, so no sample is repeated across ranks within an
    epoch of a source. Ranks get the same number of batches; a rank's last
    video batch is filled up from its own share. When the epoch needs more
    images than one pass holds, further image passes (new permutations,
    again split across ranks) follow.

    Args:
        dataset (MixedVideoImageDataset): Any dataset with
            ``source_indices(source)``.
        batch_size (int): Samples per batch on each rank.
        video_fraction (float): Share of videos in a batch, in (0, 1).
            Defaults to 0.5.
        shuffle (bool): Shuffle each epoch. Defaults to True.
        seed (int, optional): Shuffle seed; a random seed shared by all
            ranks when None. Defaults to None.
    """

    def __init__(self,
                 dataset,
                 batch_size: int,
                 video_fraction: float = 0.5,
                 shuffle: bool = True,
                 seed: Optional[int] = None) -> None:
        if not 0 < video_fraction < 1:
            raise ValueError(f'video_fraction must be in (0, 1), got '
                             f'{video_fraction}')
        self.videos_per_batch = round(batch_size * video_fraction)
        self.images_per_batch = batch_size - self.videos_per_batch
        if self.videos_per_batch == 0 or self.images_per_batch == 0:
            raise ValueError(
                f'batch_size={batch_size} with video_fraction='
                f'{video_fraction} leaves no room for one of the sources')
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else seed
        self.rank, self.world_size = get_dist_info()
        self.epoch = 0
        self.video_indices = dataset.source_indices(VIDEO)
        self.image_indices = dataset.source_indices(IMAGE)
        share = math.ceil(len(self.video_indices) / self.world_size)
        self.num_batches = math.ceil(share / self.videos_per_batch)

    def _rank_share(self, indices: List[int],
                    generator: torch.Generator) -> List[int]:
        """This rank's share of one (shuffled) pass over ``indices``."""
        order = (torch.randperm(len(indices), generator=generator).tolist()
                 if self.shuffle else range(len(indices)))
        order = list(order)
        share = order[self.rank::self.world_size]
        # fewer samples than ranks: every rank sees all of them
        return [indices[i] for i in (share or order)]

    def __iter__(self) -> Iterator[int]:
        generator = torch.Generator()
        generator.manual_seed(self.seed + self.epoch)
        nv, ni = self.videos_per_batch, self.images_per_batch
        share = self._rank_share(self.video_indices, generator)
        # fill the last batch up from this rank's own share
        videos = (share * math.ceil(self.num_batches * nv / len(share)))
        images: List[int] = []
        while len(images) < self.num_batches * ni:
            images.extend(self._rank_share(self.image_indices, generator))
        for b in range(self.num_batches):
            yield from videos[b * nv:(b + 1) * nv]
            yield from images[b * ni:(b + 1) * ni]

    def __len__(self) -> int:
        return self.num_batches * self.batch_size

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch, which reseeds the shuffle.

        Args:
            epoch (int): Epoch number.
        """
        self.epoch = epoch
