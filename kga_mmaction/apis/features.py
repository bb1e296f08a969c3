"""Backbone features of a config's datasets, for the Fig. 1 projection.

``tools/analysis/plot_features.py`` embeds the keyframe images of the
training image dataset (BUSI) and the frames of the test videos (BUSV) with
a trained model's shared backbone:

* :func:`video_dataset_cfg` / :func:`image_dataset_cfg` -- the dataset
  configs, the test one optionally on another split or frame count;
* :func:`build_loading_dataset` -- a dataset whose pipeline stops after
  decoding (:func:`~kga_mmaction.apis.split_test_pipeline`), so that images
  can go through the test pipeline's resize/crop instead of the training
  augmentation;
* :func:`dataset_features` / :func:`embed_clip` -- the features.
"""
import copy
from typing import Iterator, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
from mmaction.registry import DATASETS
from mmengine.config import Config, ConfigDict
from mmengine.dataset import Compose, pseudo_collate

from ..datasets.transforms import SampleUpToFrames
from ..utils import spread_indices
from .inference import split_test_pipeline


def video_dataset_cfg(cfg: Config,
                      split: Optional[str] = None,
                      max_frames: Optional[int] = None) -> ConfigDict:
    """The config's test dataset, optionally on another split.

    Args:
        cfg (Config): The full config.
        split (str, optional): Overrides the dataset's ``split``
            (``'train'``/``'val'`` for BUSV).
        max_frames (int, optional): Overrides ``max_frames`` of the test
            pipeline's ``SampleUpToFrames``.

    Returns:
        ConfigDict: A copy of ``cfg.test_dataloader.dataset``.

    Raises:
        ValueError: If the dataset has no ``split`` argument to override, or
            the pipeline no ``SampleUpToFrames`` for ``max_frames``.
    """
    dataset_cfg = copy.deepcopy(cfg.test_dataloader.dataset)
    if split is not None:
        if 'split' not in dataset_cfg:
            raise ValueError(f'the test dataset {dataset_cfg["type"]} has '
                             'no split to choose')
        dataset_cfg.split = split
    if max_frames is not None:
        samplers = [t for t in dataset_cfg.pipeline
                    if t['type'] == SampleUpToFrames.__name__]
        if not samplers:
            raise ValueError('max_frames needs a SampleUpToFrames step in '
                             'the test pipeline')
        for sampler in samplers:
            sampler['max_frames'] = max_frames
    return dataset_cfg


def image_dataset_cfg(cfg: Config) -> ConfigDict:
    """The keyframe-image dataset of the config's training data.

    Args:
        cfg (Config): The full config; its ``train_dataloader.dataset`` is a
            :class:`MixedVideoImageDataset` with an ``image`` dataset.

    Returns:
        ConfigDict: A copy of the image dataset config.

    Raises:
        ValueError: If the training dataset has no image part.
    """
    train_cfg = cfg.train_dataloader.dataset
    if train_cfg.get('image') is None:
        raise ValueError(f'the training dataset {train_cfg.get("type")} has '
                         'no image dataset (KGA-Net trains on a '
                         'MixedVideoImageDataset with `image=`)')
    return copy.deepcopy(train_cfg.image)


@torch.no_grad()
def dataset_features(
        model: nn.Module,
        dataset_cfg: ConfigDict,
        num_items: Optional[int] = None,
        after_decode: Optional[Sequence[dict]] = None
) -> Iterator[Tuple[np.ndarray, int]]:
    """Backbone features of the frames of each item of a dataset.

    Args:
        model (nn.Module): From :func:`init_kga_recognizer`.
        dataset_cfg (ConfigDict): A video or image dataset config.
        num_items (int, optional): Items to take, evenly spread
            (:func:`~kga_mmaction.utils.spread_indices`). Defaults to all.
        after_decode (Sequence[dict], optional): Transforms after decoding
            instead of the dataset pipeline's own (e.g. the test pipeline's
            for images of a training dataset).

    Yields:
        tuple[np.ndarray, int]: Features ``[T, C']`` (``T = 1`` for an
        image) and the item's label (-1 if none).
    """
    dataset, pipeline = build_loading_dataset(dataset_cfg, after_decode)
    pipeline = Compose(pipeline)
    for index in spread_indices(len(dataset), num_items):
        results = dataset[index]
        label = results.get('label', -1)
        label = int(label) if np.ndim(label) == 0 else -1
        yield embed_clip(model, pipeline(results)).numpy(), label


def build_loading_dataset(dataset_cfg: ConfigDict,
                          after_decode: Optional[Sequence[dict]] = None):
    """Build a dataset, in test mode, whose pipeline stops after decoding.

    Args:
        dataset_cfg (ConfigDict): A dataset config with a ``pipeline``.
        after_decode (Sequence[dict], optional): Transforms to apply after
            decoding instead of the dataset pipeline's own.

    Returns:
        tuple: The dataset (items are decoded frames in ``imgs``) and the
        list of transforms that turn an item into model inputs.
    """
    dataset_cfg = copy.deepcopy(dataset_cfg)
    loading, rest = split_test_pipeline(dataset_cfg.pipeline)
    dataset_cfg.pipeline = loading
    dataset_cfg.test_mode = True
    return DATASETS.build(dataset_cfg), list(
        rest if after_decode is None else after_decode)


@torch.no_grad()
def embed_clip(model: nn.Module, packed: dict) -> torch.Tensor:
    """Backbone features of one packed clip or image (after
    ``PackActionInputs``).

    Args:
        model (nn.Module): A :class:`KGARecognizer`.
        packed (dict): ``inputs`` ``[T, C, H, W]`` and ``data_samples``.

    Returns:
        torch.Tensor: ``[T, C']`` on the CPU, as the head sees them
        (after the recognizer's ``feature_activation``).
    """
    data = model.data_preprocessor(pseudo_collate([packed]), False)
    # untagged samples are videos: [1, T, C, H, W] -> [T, C, H, W]
    clip = data['inputs']['video'].flatten(0, 1)
    return model.embed(clip).cpu()  # [T, C']
