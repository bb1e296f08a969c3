"""Check BUSV and BUSI roots before training and summarise them.

Usage::

    python tools/data/check_dataset.py --busv data/busv --busi data/busi
    python tools/data/check_dataset.py --busv data/busv --deep   # decode all

Prints a summary table per split/variant/class (BUSV) and per class (BUSI),
then every problem with its path. Exits with 1 if there is any problem, 0
otherwise (warnings, e.g. BUSI images without masks, BUSV frame folders
that no JSON lists or images without a frame number in a video folder, do
not count). The checks are those the datasets run at construction
(:mod:`kga_mmaction.datasets.busv.index`,
:mod:`kga_mmaction.datasets.busi.index`): for BUSV also the consistency of
the records (unique image and video ids, no video under two classes or in
both splits, finite boxes within reach of their frame, one frame sequence
per folder, broken links named as such). ``--deep`` decodes every file and
adds, for BUSV, the input checks of
:mod:`kga_mmaction.datasets.input_sanity` (16-bit, blank or tiny frames)
and the frames that two videos share, per pair with their count, classes
and splits.
"""
import argparse
import sys
from typing import List, Optional

from kga_mmaction.datasets.busi import check_busi_root, format_busi_summary
from kga_mmaction.datasets.busv import check_busv_root, format_busv_summary
from kga_mmaction.datasets.problems import format_problems


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Check BUSV/BUSI dataset roots and summarise them.')
    parser.add_argument('--busv', help='BUSV root (holds rawframes/)')
    parser.add_argument(
        '--busi', help='Dataset_BUSI_with_GT or a folder containing it')
    parser.add_argument(
        '--deep', action='store_true',
        help='also decode every image: pixel checks and, for BUSV, frames '
        'shared by two videos (slow)')
    args = parser.parse_args(argv)
    if not args.busv and not args.busi:
        parser.error('give --busv and/or --busi')
    return args


def main(argv: Optional[List[str]] = None) -> int:
    """Run the checks; return the exit code."""
    args = parse_args(argv)
    failed = False
    for name, root, check, render in (
        ('BUSV', args.busv, check_busv_root, format_busv_summary),
        ('BUSI', args.busi, check_busi_root, format_busi_summary),
    ):
        if not root:
            continue
        try:
            summary = check(root, deep=args.deep)
        except (FileNotFoundError, ValueError) as err:
            print(f'{name} {root}: cannot check: {err}')
            failed = True
            continue
        print(render(summary))
        for label, items in (('problems', summary['problems']),
                             ('warnings', summary.get('warnings', []))):
            if items:
                print(f'{name} {label} ({len(items)}):')
                print(format_problems(items))
        if summary['problems']:
            failed = True
        else:
            print(f'{name}: no problems')
        print()
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
