"""Convert a BUSV and/or BUSI root to JPEG frames at the training resolution.

Example::

    python tools/data/convert_frames.py data data-256 --size 256

reads ``data/busv/`` and ``data/Dataset_BUSI_with_GT/`` (or a BUSV root, or
a BUSI folder, given directly) and writes the same layout under
``data-256/``: every frame and image with its shorter side 256 (never
enlarged), as JPEG, the BUSV JSONs with their sizes and lesion boxes scaled
to match, BUSI masks resized and kept as PNG, and ``conversion_meta.json``.
Point the configs' ``busv_root``/``busi_root`` at the copy. The paper
pipelines resize to a shorter side of 256 first, so they see the same
geometry; decoding is several times cheaper (``benchmarks/*-loader.md``).
The output appears only once complete. The logic lives in
:mod:`kga_mmaction.datasets.conversion`.
"""
import argparse
import sys

from kga_mmaction.datasets.conversion import FORMATS, convert_root


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Copy a BUSV/BUSI root at the training resolution, as '
        'JPEG frames')
    parser.add_argument('src', help='a folder holding busv/ and/or '
                        'Dataset_BUSI_with_GT/, a BUSV root or a BUSI folder')
    parser.add_argument('dst', help='output folder (must not exist or be '
                        'empty, unless --overwrite replaces an earlier '
                        'output of this tool)')
    parser.add_argument('--size', type=int, default=256, metavar='SHORT_SIDE',
                        help='shorter side of every frame and image '
                        '(default 256: the paper pipelines\' first resize)')
    parser.add_argument('--format', default='jpg', choices=sorted(FORMATS))
    parser.add_argument('--quality', type=int, default=95,
                        help='JPEG quality, 1-100 (default 95)')
    parser.add_argument('--jobs', type=int, default=1,
                        help='processes (default 1)')
    parser.add_argument('--only', choices=('busv', 'busi'),
                        help='convert only this dataset')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace an earlier output of this tool')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        meta = convert_root(args.src, args.dst, args.size, args.format,
                            args.quality, args.jobs, args.overwrite,
                            kinds=[args.only] if args.only else None)
    except (ValueError, FileNotFoundError, FileExistsError, OSError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    if 'busv' in meta:
        busv = meta['busv']
        print(f'BUSV: {busv["videos"]} videos, {busv["frames"]} frames' +
              (f' ({busv["videos_left_out"]} folders in no JSON left out)'
               if busv['videos_left_out'] else ''))
    if 'busi' in meta:
        print('BUSI: ' + ', '.join(f'{n} {c}'
                                   for c, n in meta['busi'].items()))
    print(f'-> {args.dst} (shorter side {args.size}, {args.format}) in '
          f'{meta["seconds"]:.1f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
