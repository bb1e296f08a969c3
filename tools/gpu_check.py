"""Prove the mission on a CUDA machine in one command (``make gpu-check``).

``python tools/gpu_check.py [--device cuda|cpu] [--tiny] [--data DIR]
[--iters N] [--models NAME ...] [--out-dir benchmarks]``

Prints the device and the torch/CUDA/cuDNN/OpenMMLab versions; makes a small
``--preset busv-like`` dataset with 128-frame videos (or uses ``--data``);
trains each paper config (KGA-Net: ResNet-50, 224x224, 8 clips + 8 images;
I3D, SlowFast, R(2+1)D, CSN, MViT) from random init for ``--iters``
iterations through ``tools/train.py`` (with ``--amp`` on CUDA), tests each
with ``tools/test.py`` on a few videos, and KGA-Net also with ``--fast`` and
``--fast --compile``. Records per model the seconds per iteration, the
data-wait share, the peak GPU memory, the test seconds per 128-frame video
and whether every loss term stayed finite, in
``<out-dir>/gpu-<device name>.json`` and ``.md``. The defaults fit in about
8 minutes on one H100. Exits non-zero if any model failed.

``--device cpu --tiny`` runs the same path with tiny clips in a minute or
two (``make test`` does, so that the script cannot rot).
"""
import argparse
import datetime
import os.path as osp
import re
import shlex
import subprocess
import sys

import torch

from kga_mmaction.benchmark.builders import REPO_ROOT
from kga_mmaction.gpu_check import (PAPER_CONFIGS, CheckSettings,
                                    check_model, describe, environment,
                                    write_report)
from kga_mmaction.utils import git_commit

#: ``make_synthetic.py`` arguments of the check's data: full-length
#: (128-frame) videos at half the BUSV frame size, so that generating them
#: takes well under a minute; ``--tiny``: a few 8-frame videos.
DATA_ARGS = ['--videos-per-class', '3', '--frames', '128', '128', '--size',
             '300', '400', '--images-per-class', '8', '--normal-images', '0',
             '--val-fraction', '0.5']
TINY_DATA_ARGS = ['--videos-per-class', '2', '--frames', '8', '8', '--size',
                  '48', '64', '--images-per-class', '4', '--normal-images',
                  '0', '--val-fraction', '0.5', '--square-only']


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', default='cuda' if
                        torch.cuda.is_available() else 'cpu',
                        choices=['cuda', 'cpu'])
    parser.add_argument('--tiny', action='store_true',
                        help='tiny clips and batch, 2 iterations (CPU test)')
    parser.add_argument('--data', help='an existing make_synthetic.py root '
                        '(default: generated into the work root)')
    parser.add_argument('--iters', type=int, help='training iterations per '
                        'model (default 20; --tiny 2)')
    parser.add_argument('--test-videos', type=int, default=2)
    parser.add_argument('--models', nargs='+', choices=list(PAPER_CONFIGS),
                        default=list(PAPER_CONFIGS))
    parser.add_argument('--no-compile', action='store_true',
                        help='skip KGA-Net\'s --fast --compile test '
                        '(always skipped with --tiny)')
    parser.add_argument('--timeout', type=float, default=180,
                        help='seconds allowed to each train or test process')
    parser.add_argument('--work-root', default='work_dirs/gpu_check')
    parser.add_argument('--out-dir', default=osp.join(REPO_ROOT,
                                                      'benchmarks'))
    parser.add_argument('--name', help='report name (default: the device '
                        'name, e.g. nvidia-h100-80gb-hbm3)')
    args = parser.parse_args(argv)
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error('--device cuda: torch sees no CUDA device here '
                     f'(torch {torch.__version__}, built for CUDA '
                     f'{torch.version.cuda}); use --device cpu --tiny')
    if args.iters is None:
        args.iters = 2 if args.tiny else 20
    if args.iters < 1 or args.test_videos < 1:
        parser.error('--iters and --test-videos must be >= 1')
    return args


def make_data(args: argparse.Namespace) -> tuple:
    """The check's data root and the command that made it."""
    if args.data:
        return args.data, f'(given: {args.data})'
    root = osp.join(args.work_root, 'data-tiny' if args.tiny else 'data')
    command = ['tools/data/make_synthetic.py', '--preset', 'busv-like',
               *(TINY_DATA_ARGS if args.tiny else DATA_ARGS), '--out', root]
    if not osp.isfile(osp.join(REPO_ROOT, root, 'synthetic_meta.json')):
        subprocess.run([sys.executable, *command], cwd=REPO_ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    return osp.join(REPO_ROOT, root), 'python ' + shlex.join(command)


def main(argv=None) -> dict:
    """Run the check, write its report and return it."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    env = environment(args.device)
    print(describe(env), flush=True)
    data_root, data_command = make_data(args)
    work_root = osp.join(REPO_ROOT, args.work_root,
                         'tiny' if args.tiny else args.device)
    settings = CheckSettings(
        device=args.device, data_root=data_root, work_root=work_root,
        iters=args.iters, test_videos=args.test_videos, tiny=args.tiny,
        timeout_s=args.timeout,
        compile=not (args.tiny or args.no_compile))
    models = {}
    for name in args.models:
        models[name] = row = check_model(name, PAPER_CONFIGS[name], settings)
        print(f'{name}: {"ok" if row["ok"] else "FAILED"} (train '
              f'{row["train"]["seconds"]:.0f} s; logs in {row["work_dir"]})',
              flush=True)
    name = args.name or re.sub(r'[^a-z0-9]+', '-',
                               env['device_name'].lower()).strip('-')
    report = dict(
        name=name + ('-tiny' if args.tiny else ''),
        commit=git_commit(REPO_ROOT),
        date=datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec='seconds'),
        command='python tools/gpu_check.py ' + shlex.join(argv),
        environment=env, models=models,
        settings=dict(iters=args.iters, test_videos=args.test_videos,
                      tiny=args.tiny, amp=settings.amp,
                      compile=settings.compile, data_command=data_command,
                      frames_per_video=8 if args.tiny else 128))
    for path in write_report(report, args.out_dir):
        print('wrote', path)
    if not all(row['ok'] for row in models.values()):
        sys.exit(1)
    return report


if __name__ == '__main__':
    main()
