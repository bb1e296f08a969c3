"""Batches that mix video clips and still images."""
from typing import Dict, List, Optional, Tuple

import torch
from mmaction.models.data_preprocessors import ActionDataPreprocessor
from mmaction.registry import MODELS
from mmaction.utils import SampleList

from ...sources import IMAGE, SOURCES, VIDEO


def sample_source(data_sample) -> str:
    """Return ``'video'`` or ``'image'``; samples without a tag are videos."""
    source = data_sample.metainfo.get('source', VIDEO)
    if source not in SOURCES:
        raise ValueError(f'Unknown sample source {source!r}; expected one '
                         f'of {SOURCES}')
    return source


def pad_clips(clips: List[torch.Tensor],
              samples: SampleList) -> List[torch.Tensor]:
    """Zero-pad clips in time to the longest; record real lengths.

    Args:
        clips (list[torch.Tensor]): Clips ``[T_i, C, H, W]``.
        samples (list[ActionDataSample]): Their samples; each gets the
            ``num_frames`` metainfo ``T_i``.

    Returns:
        list[torch.Tensor]: Clips ``[max_i T_i, C, H, W]``.
    """
    longest = max((clip.shape[0] for clip in clips), default=0)
    padded = []
    for clip, sample in zip(clips, samples):
        sample.set_metainfo(dict(num_frames=clip.shape[0]))
        if clip.shape[0] < longest:
            pad = clip.new_zeros((longest - clip.shape[0], ) + clip.shape[1:])
            clip = torch.cat([clip, pad])  # [T_i, ...] -> [max T, ...]
        padded.append(clip)
    return padded


@MODELS.register_module()
class MixedSourceDataPreprocessor(ActionDataPreprocessor):
    """Normalise video clips and images of one batch separately.

    Video clips (``[T, C, H, W]`` each, after ``FormatShape('NCHW')``) and
    still images (``[1, C, H, W]``) cannot be stacked into one tensor, so the
    batch is split by each sample's ``source`` metainfo (set by
    :class:`MixedVideoImageDataset`; untagged samples are videos). Clips of
    different lengths are zero-padded in time, and each video sample gets a
    ``num_frames`` metainfo with its real length so that padded frames can
    be masked out.

    Takes the same arguments as :class:`ActionDataPreprocessor`.

    Returns, as ``inputs``, a dict with ``'video'`` (``[N_v, T, C, H, W]``)
    and ``'image'`` (``[N_i, 1, C, H, W]`` or None), and ``data_samples``
    reordered to the videos followed by the images.
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        """Split, pad, normalise and stack one batch.

        Args:
            data (dict): ``inputs`` (list of tensors) and ``data_samples``
                from the dataloader.
            training (bool): Whether to apply training-time blending.

        Returns:
            dict: ``inputs`` (dict of tensors) and ``data_samples``.
        """
        data = self.cast_data(data)
        groups: Dict[str, Tuple[List[torch.Tensor], SampleList]] = {
            VIDEO: ([], []),
            IMAGE: ([], [])
        }
        for inputs, sample in zip(data['inputs'], data['data_samples']):
            tensors, samples = groups[sample_source(sample)]
            tensors.append(inputs)
            samples.append(sample)
        groups[VIDEO] = (pad_clips(groups[VIDEO][0], groups[VIDEO][1]),
                         groups[VIDEO][1])
        batch: Dict[str, Optional[torch.Tensor]] = {}
        samples_out: SampleList = []
        for source, (tensors, samples) in groups.items():
            if tensors:
                shapes = {tuple(t.shape[1:]) for t in tensors}
                if len(shapes) > 1:
                    raise ValueError(
                        f'{source} inputs of one batch have different frame '
                        f'shapes {sorted(shapes)}; resize them to one size '
                        'in the pipeline')
                batch[source], samples = self.preprocess(
                    tensors, samples, training)
            else:
                batch[source] = None
            samples_out.extend(samples)
        return dict(inputs=batch, data_samples=samples_out)
