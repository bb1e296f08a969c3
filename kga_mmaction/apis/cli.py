"""Command-line arguments and set-up shared by the inference tools.

``tools/infer.py`` and the figure/export tools of ``tools/analysis/`` take
the same model arguments (``CONFIG CHECKPOINT --device --trust-checkpoint
--allow-partial-checkpoint --cfg-options``) and, for the tools that run
over the config's test videos, the same selection (``--out --split
--videos --max-frames``). They are declared here once, together with the
set-up that turns them into a config and a model::

    parser = argparse.ArgumentParser(description=...)
    add_model_arguments(parser)
    add_video_selection_arguments(parser)
    args = parser.parse_args(argv)
    cfg, model = load_model_from_args(args)
    dataset_cfg = video_dataset_cfg(cfg, args.split, args.max_frames)
"""
import argparse
from typing import Tuple

import torch.nn as nn
from mmengine.config import Config, DictAction

from .inference import default_device, init_kga_recognizer


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``config``, ``checkpoint``, ``--device``, ``--trust-checkpoint``,
    ``--allow-partial-checkpoint`` and ``--cfg-options`` to ``parser``.

    The two positionals come first; a tool adds its own positionals after
    this call.
    """
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--device', default=default_device(),
                        help='torch device (default: cuda if available)')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='allow arbitrary pickled objects in the '
                        'checkpoint; only for files from a trusted source')
    parser.add_argument('--allow-partial-checkpoint', action='store_true',
                        help='load only the checkpoint weights that fit the '
                        "config's model (default: any missing, unexpected "
                        'or mis-shaped key is an error)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, xxx=yyy format')


def add_video_selection_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--out`` (required), ``--split``, ``--videos`` and
    ``--max-frames``: where a tool that runs over the config's test videos
    writes, and which videos and frames it takes (the arguments of
    :func:`~kga_mmaction.apis.video_dataset_cfg` and
    :func:`~kga_mmaction.apis.predict_dataset`)."""
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--split', help="dataset split to use instead of "
                        "the test dataloader's (BUSV: 'train' or 'val')")
    parser.add_argument('--videos', type=int,
                        help='number of videos, spread over the dataset '
                        '(default: all)')
    parser.add_argument('--max-frames', type=int,
                        help="frames sampled per video (default: the test "
                        "pipeline's SampleUpToFrames)")


def load_config_from_args(args: argparse.Namespace) -> Config:
    """``args.config`` with ``args.cfg_options`` merged in."""
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def load_model_from_args(
        args: argparse.Namespace) -> Tuple[Config, nn.Module]:
    """The config (see :func:`load_config_from_args`) and the recognizer
    built from it with ``args.checkpoint`` on ``args.device`` (see
    :func:`~kga_mmaction.apis.init_kga_recognizer`)."""
    cfg = load_config_from_args(args)
    model = init_kga_recognizer(cfg, args.checkpoint, args.device,
                                args.trust_checkpoint,
                                args.allow_partial_checkpoint)
    return cfg, model
