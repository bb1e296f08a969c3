"""Score the config's test set through ONNX models (fp32, int8, ...).

``python tools/deployment/test_onnx.py CONFIG --onnx fp32=model.onnx
--onnx int8=model-int8.onnx [--reference fp32] [--out report.json]
[--cfg-options ...]``

Prints each model's AUC over the test videos and, against ``--reference``,
the largest difference in malignancy probability and the AUC difference;
``--out`` writes them with the per-video probabilities as JSON. What a user
sees before deploying an int8 model. Needs the deploy extra.
"""
import argparse
import json
import os.path as osp
import sys
from typing import List, Optional

from kga_mmaction.apis import load_config_from_args
from kga_mmaction.apis.cli import _add_cfg_options
from kga_mmaction.deployment.workflow import compare_on_test_set


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('--onnx', action='append', required=True,
                        metavar='NAME=PATH', help='a model to score')
    parser.add_argument('--reference', default='fp32',
                        help='model the others are compared with')
    parser.add_argument('--out', help='JSON report to write')
    _add_cfg_options(parser)
    args = parser.parse_args(argv)
    args.models = {}
    for item in args.onnx:
        name, sep, path = item.partition('=')
        if not sep or not name or not path:
            parser.error(f'--onnx takes NAME=PATH, got {item!r}')
        args.models[name] = path
    return args


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    cfg = load_config_from_args(args)
    try:
        summary = compare_on_test_set(cfg, args.models, args.reference)
    except (FileNotFoundError, ValueError, ImportError) as err:
        sys.exit(f'error: {err}')
    print(f'{summary["videos"]} test videos')
    for name, auc in summary['auc'].items():
        line = f'  {name}: AUC {auc:.4f}'
        if name in summary.get('max_abs_diff', {}):
            line += (f'; vs {args.reference}: max |probability difference| '
                     f'{summary["max_abs_diff"][name]:.4f}, AUC difference '
                     f'{summary["auc_diff"][name]:+.4f}')
        print(line)
    if args.out:
        summary['models'] = {k: osp.abspath(v) for k, v in args.models.items()}
        with open(args.out, 'w') as f:
            json.dump(summary, f, indent=1)
        print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
