"""Test a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [options]``.

CHECKPOINT is a file or a URL of any scheme mmengine loads (``https://``,
``torchvision://``, ...). The checkpoint is loaded with the safe loader of
:mod:`kga_mmaction.engine.checkpoint_loading`: only the objects that
mmengine and numpy checkpoints need are unpickled, unless
``--trust-checkpoint`` is given. Its weights must fit the config's model
(:func:`kga_mmaction.engine.load_weights`), unless
``--allow-partial-checkpoint`` is given. Prediction dumps
(``--dump``, ``--out-predictions``) are written before the metrics are
computed, so that they exist even when a metric fails.
"""
import argparse
import os.path as osp

from mmengine.config import Config
from mmengine.runner import Runner

import kga_mmaction  # noqa: F401  (registers the plugin)
from kga_mmaction.apis import (default_device, merge_runner_args,
                               parse_runner_args)
from kga_mmaction.engine import (load_weights,
                                 register_safe_checkpoint_loader,
                                 setup_cpu_distributed)
from kga_mmaction.models.recognizers.inference_flags import \
    set_inference_test_cfg


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test a recognizer')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='directory for logs and metrics')
    parser.add_argument('--dump', type=str,
                        help='dump the predictions to this pickle file')
    parser.add_argument(
        '--out-predictions', type=str,
        help='write per-video scores, frame weights and center distances '
        'to this .json or .csv file (DumpPredictions)')
    parser.add_argument(
        '--trust-checkpoint', action='store_true',
        help='allow arbitrary pickled objects in the checkpoint; only for '
        'files from a trusted source')
    parser.add_argument(
        '--allow-partial-checkpoint', action='store_true',
        help="load only the checkpoint weights that fit the config's model "
        '(default: any missing, unexpected or mis-shaped key is an error)')
    parser.add_argument(
        '--fast', action='store_true',
        help='fast KGA-Net inference: channels_last, bf16/fp16 autocast '
        'where the device runs it natively, a few frames per backbone call '
        '(8 on CPU, 32 on CUDA)')
    parser.add_argument(
        '--frame-chunk-size', type=int, metavar='N',
        help='embed at most N frames per backbone call '
        '(model.test_cfg.max_testing_views; bounds memory)')
    parser.add_argument(
        '--compile', action='store_true',
        help='embed frames with torch.compile on a frozen snapshot of the '
        'model (compiles once, tens of seconds; pays off over a test set)')
    return parse_runner_args(parser, test=True)


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Merge the command line into the config."""
    cfg.launcher = args.launcher
    cfg.load_from = None  # loaded strictly by main(), not by the Runner
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    dumpers = []
    if args.dump is not None:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--dump must name a .pkl/.pickle file, got '
                             f'{args.dump}')
        dumpers.append(dict(type='DumpResults', out_file_path=args.dump))
    if args.out_predictions is not None:
        if not args.out_predictions.endswith(('.json', '.csv')):
            raise ValueError(f'--out-predictions must name a .json/.csv '
                             f'file, got {args.out_predictions}')
        dumpers.append(dict(type='DumpPredictions',
                            out_file_path=args.out_predictions))
    if dumpers:
        evaluators = cfg.test_evaluator
        if not isinstance(evaluators, (list, tuple)):
            evaluators = [evaluators]
        # dumpers first: Evaluator runs its metrics in order
        cfg.test_evaluator = dumpers + list(evaluators)
    set_inference_test_cfg(cfg, default_device(), args.fast,
                           args.frame_chunk_size, args.compile)
    return merge_runner_args(cfg, args)


def main() -> None:
    args = parse_args()
    register_safe_checkpoint_loader(trust=args.trust_checkpoint)
    if '://' not in args.checkpoint and not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    cfg = merge_args(Config.fromfile(args.config), args)
    runner = Runner.from_cfg(setup_cpu_distributed(cfg))
    load_weights(runner.model, args.checkpoint,
                 allow_partial=args.allow_partial_checkpoint)
    runner.test()


if __name__ == '__main__':
    main()
