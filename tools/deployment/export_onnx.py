"""Export a KGA-Net to ONNX (and int8), checked against PyTorch.

``python tools/deployment/export_onnx.py CONFIG CKPT --out model.onnx
[--int8-out model-int8.onnx --calibration-videos N] [--check-videos N]
[--random-weights] [--cfg-options ...]``

The ONNX model takes one video: ``frames`` uint8 ``[T, 3, H, W]`` (raw
pixel values after the test pipeline's resize, T up to the config's
``max_frames``), normalises them with the data preprocessor's mean and std
inside the graph, and outputs ``logits``, ``probabilities`` and
``frame_weights``. The export is run in ONNX Runtime on random frames and
on ``--check-videos`` test videos and written only when every probability
is within 1e-4 of PyTorch's (see
:mod:`kga_mmaction.deployment.onnx_export`); otherwise the tool exits with
status 1 and writes nothing. ``--int8-out`` also writes a static int8
model (QDQ, per-channel weights) calibrated on ``--calibration-videos``
videos of the training split, and prints the operators left in float.
Needs the deploy extra (``pip install -e '.[deploy]'``).
"""
import argparse
import json
import sys
from typing import List, Optional

from kga_mmaction.apis import load_config_from_args, positive_int
from kga_mmaction.apis.cli import _add_cfg_options
from kga_mmaction.deployment import ExportMismatchError
from kga_mmaction.deployment.workflow import export_checkpoint, \
    quantize_export


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', nargs='?',
                        help='checkpoint file (omit with --random-weights)')
    parser.add_argument('--out', required=True, help='fp32 .onnx to write')
    parser.add_argument('--random-weights', action='store_true',
                        help="export the config's model as initialised "
                        '(no checkpoint): checks the export of an '
                        'architecture')
    parser.add_argument('--check-videos', type=int, default=2,
                        help='test videos whose frames the export is '
                        'checked on, besides random frames (default: 2; '
                        'none when the test data is absent)')
    parser.add_argument('--int8-out', help='int8 .onnx to write as well')
    parser.add_argument('--calibration-videos', type=positive_int,
                        default=16, help='training videos to calibrate the '
                        'int8 model on (default: 16)')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='allow arbitrary pickled objects in the '
                        'checkpoint; only for files from a trusted source')
    parser.add_argument('--allow-partial-checkpoint', action='store_true',
                        help='load only the checkpoint weights that fit')
    _add_cfg_options(parser)
    args = parser.parse_args(argv)
    if (args.checkpoint is None) != args.random_weights:
        parser.error('give a CHECKPOINT or --random-weights (not both)')
    return args


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    cfg = load_config_from_args(args)
    try:
        checks = export_checkpoint(cfg, args.checkpoint, args.out,
                                   args.check_videos, trust_checkpoint=args
                                   .trust_checkpoint, allow_partial=args
                                   .allow_partial_checkpoint)
    except (ExportMismatchError, FileNotFoundError, ImportError) as err:
        sys.exit(f'error: {err}')
    print('ONNX Runtime vs PyTorch, max |difference|:')
    for check in checks:
        print(f'  {check.name} ({check.num_frames} frames): ' + ', '.join(
            f'{k} {v:.2e}' for k, v in check.max_abs_diff.items()))
    print(f'wrote {args.out}')
    if args.int8_out:
        try:
            floats = quantize_export(cfg, args.out, args.int8_out,
                                     args.calibration_videos)
        except FileNotFoundError as err:
            sys.exit(f'error: {err}')
        print('operators left in float: ' + json.dumps(floats))
        print(f'wrote {args.int8_out}')


if __name__ == '__main__':
    main()
