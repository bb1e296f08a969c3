"""Command-line arguments and set-up shared by the tools.

``tools/infer.py`` and ``tools/analysis/plot_features.py`` run a model:
they take the same model arguments (``CONFIG CHECKPOINT --device
--trust-checkpoint --allow-partial-checkpoint --cfg-options``) and
``plot_features.py`` the selection of test videos (``--out --split --videos
--max-frames``)::

    parser = argparse.ArgumentParser(description=...)
    add_model_arguments(parser)
    add_video_selection_arguments(parser)
    args = parser.parse_args(argv)
    cfg, model = load_model_from_args(args)
    dataset_cfg = video_dataset_cfg(cfg, args.split, args.max_frames)

The other analysis tools run no model: they read the predictions that
``tools/test.py --out-predictions`` wrote (``CONFIG PREDICTIONS --out
--videos --cfg-options``)::

    add_prediction_arguments(parser)
    args = parser.parse_args(argv)
    classes, predictions = load_predictions_from_args(args)

``tools/train.py`` and ``tools/test.py`` run one fold of a BUSV
cross-validation (``--folds K --fold I [--fold-seed S]``; ``tools/test.py``
also ``--fold-part inner_val``)::

    add_cross_validation_arguments(parser, test=True)
    cfg = merge_cross_validation_args(cfg, args)
"""
import argparse
import os
import sys
from typing import List, Tuple

import torch.nn as nn
from mmengine.config import Config, DictAction

from ..datasets.busv.cross_validation import (DEFAULT_INNER_VAL_FRACTION,
                                              TEST_PARTS,
                                              apply_cross_validation)
from ..evaluation import (NonFiniteScoreError, VideoPrediction,
                          load_predictions, select_predictions)
from .inference import dataset_classes, default_device, init_kga_recognizer


def positive_int(text: str) -> int:
    """An argparse ``type``: an integer of at least 1 (``--max-frames 0``
    is an error, not the default)."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f'must be >= 1, got {value}')
    return value


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
    _add_cfg_options(parser)


def add_video_selection_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--out`` (required), ``--split``, ``--videos`` and
    ``--max-frames``: where a tool that runs over the config's test videos
    writes, and which videos and frames it takes (the arguments of
    :func:`~kga_mmaction.apis.video_dataset_cfg` and
    :func:`~kga_mmaction.apis.dataset_features`)."""
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--split', help="dataset split to use instead of "
                        "the test dataloader's (BUSV: 'train' or 'val')")
    parser.add_argument('--videos', type=int,
                        help='number of videos, spread over the dataset '
                        '(default: all)')
    parser.add_argument('--max-frames', type=positive_int,
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


def add_prediction_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``config``, ``predictions``, ``--out`` (required), ``--videos``
    and ``--cfg-options``: what a tool that works from a prediction file
    reads and writes. A tool adds its own positionals after this call."""
    parser.add_argument('config', help='config the predictions were made '
                        'with (for the class names)')
    parser.add_argument('predictions', help='per-video predictions: the '
                        '.json/.csv file of tools/test.py --out-predictions')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--videos', type=int,
                        help='number of videos, spread over the predictions '
                        '(default: all)')
    _add_cfg_options(parser)


def load_predictions_from_args(
        args: argparse.Namespace
) -> Tuple[Tuple[str, ...], List[VideoPrediction]]:
    """The class names of the config's test dataset and the predictions of
    ``args.predictions`` (``args.videos`` of them, or those of
    ``args.video_ids`` when the tool has that option; see
    :func:`~kga_mmaction.evaluation.select_predictions`).

    A file that holds NaN or infinite values (a diverged model's) ends the
    tool with exit status 1 and a message that names the file and the
    video: no figure or diagnosis is made from them.

    Raises:
        FileNotFoundError: If the prediction file is missing.
        ValueError: If it is not a prediction file, or its videos have
            another number of classes than the config's test dataset.
    """
    classes = dataset_classes(load_config_from_args(args).test_dataloader
                              .dataset)
    try:
        predictions = load_predictions(args.predictions)
    except NonFiniteScoreError as err:
        sys.exit(f'error: {err}')
    predictions = select_predictions(predictions, args.videos,
                                     getattr(args, 'video_ids', None))
    for prediction in predictions:
        if len(prediction.pred_score) != len(classes):
            raise ValueError(
                f'{args.predictions}: {prediction.source} has scores of '
                f'{len(prediction.pred_score)} classes, but the test '
                f'dataset of {args.config} has {len(classes)} '
                f'{tuple(classes)}; is it the config of these predictions?')
    return classes, predictions


def _add_cfg_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, xxx=yyy format')


def add_cross_validation_arguments(parser: argparse.ArgumentParser,
                                   test: bool = False) -> None:
    """Add ``--folds``, ``--fold``, ``--fold-seed`` and
    ``--inner-val-fraction`` (and, for ``test``, ``--fold-part``): the
    arguments of :func:`~kga_mmaction.datasets.apply_cross_validation`."""
    group = parser.add_argument_group(
        'cross-validation', 'pool the BUSV videos of both JSONs into K '
        'class-stratified folds; train on the other folds (less an inner '
        'validation share, which validates), test on fold I. Other '
        'datasets (BUSI) stay as configured.')
    group.add_argument('--folds', type=int, metavar='K',
                       help='number of folds (with --fold)')
    group.add_argument('--fold', type=int, metavar='I',
                       help='the test fold, 0-based (with --folds)')
    group.add_argument('--fold-seed', type=int, default=0, metavar='S',
                       help='seed of the folds (default: 0)')
    group.add_argument(
        '--inner-val-fraction', type=float,
        default=DEFAULT_INNER_VAL_FRACTION,
        help='share of the training folds held out as inner validation '
        f'(default: {DEFAULT_INNER_VAL_FRACTION})')
    if test:
        group.add_argument(
            '--fold-part', choices=TEST_PARTS, default=TEST_PARTS[0],
            help="test on the fold ('test', default) or on the inner "
            "validation part ('inner_val', to choose a threshold)")


def parse_runner_args(parser: argparse.ArgumentParser,
                      test: bool = False) -> argparse.Namespace:
    """Add what ``tools/train.py`` and ``tools/test.py`` share
    (``--cfg-options``, ``--launcher``, ``--local-rank`` and the
    cross-validation arguments), parse the command line, and export the
    local rank as ``LOCAL_RANK`` where the launcher did not."""
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, in xxx=yyy format')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    add_cross_validation_arguments(parser, test=test)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_runner_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the shared arguments of :func:`parse_runner_args` last:
    ``--cfg-options``, then the cross-validation split."""
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return merge_cross_validation_args(cfg, args)


def merge_cross_validation_args(cfg: Config,
                                args: argparse.Namespace) -> Config:
    """Apply the arguments of :func:`add_cross_validation_arguments` to
    ``cfg``; unchanged without ``--folds``/``--fold``.

    Raises:
        ValueError: If only one of ``--folds`` and ``--fold`` is given, or
            from :func:`~kga_mmaction.datasets.apply_cross_validation`.
    """
    if args.folds is None and args.fold is None:
        return cfg
    if args.folds is None or args.fold is None:
        raise ValueError(f'--folds and --fold go together, got --folds '
                         f'{args.folds} and --fold {args.fold}')
    return apply_cross_validation(
        cfg, args.folds, args.fold, args.fold_seed, args.inner_val_fraction,
        getattr(args, 'fold_part', TEST_PARTS[0]))
