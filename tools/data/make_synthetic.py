"""Generate synthetic BUSV videos and BUSI images in the released layouts.

Example::

    python tools/data/make_synthetic.py --out data/synthetic

writes ``data/synthetic/busv/`` (rawframes + CocoVID JSONs),
``data/synthetic/Dataset_BUSI_with_GT/`` and ``synthetic_meta.json``.
``--preset busv-like`` gives the released datasets' proportions and a
difficulty at which models do not score at the ceiling (what ``make demo``
and ``make tables`` use; :mod:`kga_mmaction.synthetic.presets`); arguments
given with it still win. ``--keyframe-fraction F`` makes exactly a share F
of each video's frames show the diagnostic cross-section (the paper's premise
that they are rare), whatever the difficulty. The generation logic lives in
:mod:`kga_mmaction.synthetic`.
"""
import argparse
import sys
import time

from kga_mmaction.datasets.busi.layout import BUSI_FOLDER
from kga_mmaction.datasets.busv.layout import BUSV_CLASSES, BUSV_SPLITS
from kga_mmaction.synthetic import (BUSV_DIRNAME, counts_from_fraction,
                                    make_synthetic_datasets)
from kga_mmaction.synthetic.presets import PRESETS


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Generate synthetic BUSV videos and BUSI images with '
        'the layouts of the released datasets.')
    parser.add_argument('--preset', choices=sorted(PRESETS),
                        help='named defaults for the arguments below')
    parser.add_argument('--out', required=True,
                        help='output directory (must not exist or be empty)')
    parser.add_argument('--videos-per-class', type=int, default=24,
                        help='videos per class at --malignant-fraction 0.5 '
                        '(2 * N videos in all)')
    parser.add_argument('--frames', type=int, nargs=2, default=(16, 40),
                        metavar=('MIN', 'MAX'),
                        help='inclusive range of frames per video')
    parser.add_argument('--size', type=int, nargs=2, default=(128, 128),
                        metavar=('H', 'W'), help='base frame/image size')
    parser.add_argument('--square-only', action='store_true',
                        help='use --size for every video instead of a few '
                        'non-square variants')
    parser.add_argument('--images-per-class', type=int, default=60,
                        help='BUSI images per class at --malignant-fraction '
                        '0.5 (2 * N images in all)')
    parser.add_argument('--normal-images', type=int, default=6,
                        help='BUSI normal images (no lesion)')
    parser.add_argument('--difficulty', type=float, default=0.5,
                        help='ambiguity in [0, 1]: atypical shapes, fewer '
                        'clear frames, more blur')
    parser.add_argument('--keyframe-fraction', type=float,
                        help='share of each video\'s frames that show the '
                        'diagnostic cross-section, in (0, 1] (default: set '
                        'by --difficulty)')
    parser.add_argument('--malignant-fraction', type=float, default=0.5,
                        help='fraction of malignant videos (and images, '
                        'unless --image-malignant-fraction is given)')
    parser.add_argument('--image-malignant-fraction', type=float,
                        help='fraction of malignant BUSI images among the '
                        'benign and malignant ones')
    parser.add_argument('--val-fraction', type=float, default=0.2,
                        help='fraction of each class\'s videos in the '
                        'validation JSON')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--overwrite', action='store_true',
                        help='replace an earlier output of this tool')
    preset = parser.parse_known_args(argv)[0].preset
    if preset is not None:
        parser.set_defaults(**PRESETS[preset])
    args = parser.parse_args(argv)
    if args.image_malignant_fraction is None:
        args.image_malignant_fraction = args.malignant_fraction
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        v_benign, v_malignant = counts_from_fraction(args.videos_per_class,
                                                     args.malignant_fraction)
        i_benign, i_malignant = counts_from_fraction(
            args.images_per_class, args.image_malignant_fraction)
        start = time.perf_counter()
        meta = make_synthetic_datasets(
            args.out, overwrite=args.overwrite, seed=args.seed,
            difficulty=args.difficulty,
            keyframe_fraction=args.keyframe_fraction,
            busv=dict(num_benign=v_benign, num_malignant=v_malignant,
                      frames=tuple(args.frames), size=tuple(args.size),
                      vary_size=not args.square_only,
                      val_fraction=args.val_fraction),
            busi=dict(num_benign=i_benign, num_malignant=i_malignant,
                      num_normal=args.normal_images, size=tuple(args.size)))
    except (ValueError, FileExistsError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - start

    busv = meta['busv']['counts']
    print(f'BUSV -> {args.out}/{BUSV_DIRNAME} '
          f'({busv["frames"]} frames)')
    for split in BUSV_SPLITS:
        print(f'  {split:5s}: ' +
              ', '.join(f'{busv[split][c]} {c}' for c in BUSV_CLASSES))
    busi = meta['busi']['counts']
    print(f'BUSI -> {args.out}/{BUSI_FOLDER}')
    print('  ' + ', '.join(f'{n} {c}' for c, n in busi.items()))
    print(f'done in {elapsed:.1f} s (seed {args.seed}, '
          f'difficulty {args.difficulty}'
          + (f', keyframe fraction {args.keyframe_fraction}'
             if args.keyframe_fraction is not None else '')
          + (f', preset {args.preset})' if args.preset else ')'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
