"""Formatting of single-frame samples for mmpretrain's image classifiers.

MMAction2's pipelines (``LoadImageAsFrames``, ``RandomResizedCrop``,
``Resize``, ``Flip``) hold an image as a clip of one frame in
``results['imgs']`` and its class in ``results['label']``; mmpretrain's
``ImageClassifier`` wants an ``inputs`` tensor ``[3, H, W]`` and a
:class:`mmpretrain.structures.DataSample` with ``gt_label``.
:class:`PackImageClassificationInputs` bridges the two, so that a backbone
can be pretrained on the BUSI images through the project's ``BUSIDataset``.
"""
from typing import Sequence

from mmcv.transforms import BaseTransform
from mmpretrain.datasets.transforms import PackInputs

from mmaction.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PackImageClassificationInputs(BaseTransform):
    """Pack a one-frame clip as mmpretrain's ``PackInputs`` packs an image.

    Required Keys:

    - imgs (list of one ``H x W x 3`` array)
    - label (int)

    Added Keys:

    - inputs (``torch.Tensor`` ``[3, H, W]``, the frame's dtype)
    - data_samples (:class:`mmpretrain.structures.DataSample` with
      ``gt_label`` and the ``meta_keys`` present in ``results``)

    The packing itself is mmpretrain's :class:`PackInputs`; this transform
    only renames the keys (``imgs[0]`` -> ``img``, ``label`` ->
    ``gt_label``) and sets ``img_shape`` to the frame's final size.

    Args:
        meta_keys (Sequence[str]): Keys of ``results`` stored as metainfo of
            the data sample. Defaults to ``('img_path', 'img_shape',
            'original_shape', 'flip', 'flip_direction')``.
    """

    def __init__(self,
                 meta_keys: Sequence[str] = ('img_path', 'img_shape',
                                             'original_shape', 'flip',
                                             'flip_direction')) -> None:
        self.meta_keys = tuple(meta_keys)
        self._pack = PackInputs(input_key='img', meta_keys=self.meta_keys)

    def transform(self, results: dict) -> dict:
        """Pack ``results['imgs'][0]`` and ``results['label']``.

        Args:
            results (dict): The result dict of a one-frame clip.

        Returns:
            dict: ``inputs`` and ``data_samples``.

        Raises:
            ValueError: If the clip does not hold exactly one frame, or a
                frame is not ``H x W x C``.
        """
        frames = results['imgs']
        if len(frames) != 1:
            raise ValueError(
                f'{self.__class__.__name__} packs one image, but '
                f'{results.get("img_path", "the sample")} has {len(frames)} '
                'frames: use LoadImageAsFrames with num_frames=1')
        img = frames[0]
        if img.ndim != 3:
            raise ValueError(f'expected an H x W x C frame, got shape '
                             f'{img.shape} for '
                             f'{results.get("img_path", "the sample")}')
        image_results = {
            key: results[key]
            for key in self.meta_keys if key in results
        }
        image_results.update(
            img=img, gt_label=results['label'], img_shape=img.shape[:2])
        return self._pack(image_results)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(meta_keys={self.meta_keys})'
