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
    sampler lays out whole batches. An epoch lasts until each source has been
    seen once in full (the larger source sets its length); the smaller source
    is repeated in further passes within the epoch. Each pass over a source
    is a new permutation (seeded by ``seed + epoch``) split across the DDP
    ranks: every rank takes every ``world_size``-th index, so no sample is
    repeated across ranks within a pass over its source. All ranks get the
    same number of batches.

    Args:
        dataset (MixedVideoImageDataset): Any dataset with
            ``source_indices(source)``.
        batch_size (int): Samples per batch on each rank.
        video_fraction (float): Share of videos in a batch, in (0, 1).
            Defaults to 0.5.
        shuffle (bool): Shuffle each pass. Defaults to True.
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

    def __iter__(self) -> Iterator[int]:
        generator = torch.Generator()
        generator.manual_seed(self.seed + self.epoch)
        nv, ni = self.videos_per_batch, self.images_per_batch
        videos = self._stream(self.video_indices, self.num_batches * nv,
                              generator)
        images = self._stream(self.image_indices, self.num_batches * ni,
                              generator)
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
