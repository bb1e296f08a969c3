"""Train and test a list of configs over seeds or cross-validation folds;
write the results table.

Example (Table 2 on the synthetic data, 3-fold cross-validation, 2 runs at
a time)::

    python tools/analysis/run_table.py --title "Table 2 (synthetic)" \\
        --out results/table2_synthetic.md --folds 3 --jobs 2 \\
        --configs configs/demo/kga-net-wo-image-guidance_*.py ... \\
        --names "w/o image guidance" ... KGA-Net

Without ``--folds`` each (config, seed) is a run on the config's own
train/test split; with ``--folds K`` each (config, seed, fold) is a run on
K class-stratified folds of the BUSV videos (BUSI stays in training), tested
on its fold and on its inner-validation part. Each run stores its scores as
``metrics.json`` in ``<work-root>/<config stem>/seed<S>`` or
``.../fold<I>of<K>[-seed<S>]``; a run whose ``metrics.json`` exists is
skipped, so re-running continues an interrupted table.

The Markdown table gives per row the mean +- std over runs; with folds
also the pooled out-of-fold AUC with a bootstrap 95% CI; calibration
(Brier, ECE); keyframe localisation (n/a for models without frame
weights); and the DeLong p-value against a reference row on the same
videos. It says what each column is and lists the exact commands.

``--oracle-of NAME`` adds a control row, "oracle (lesion-area weights on
NAME's features)": NAME's own prediction files rescored with each frame's
annotated lesion area as its weight, through the same metric code and
without training. NAME should be the frame-averaging model ("w/o coherence
loss & attention"); its predictions need ``frame_video_logits`` and
``frame_lesion_areas``, e.g.::

    python tools/analysis/run_table.py ... --folds 3 \
        --names "w/o coherence loss & attention" ... KGA-Net \
        --oracle-of "w/o coherence loss & attention"

The work is done by :mod:`kga_mmaction.tables` (runs, rows, Markdown);
this tool parses the arguments. It runs from any directory: config, work
and output paths are relative to it, and the runs use the ``tools/`` of the
installed package (configs named from the repository root, such as
``configs/demo/...``, are the package's when the directory has none).
"""
import argparse
import os.path as osp

from kga_mmaction.tables import TableSettings, make_table
from kga_mmaction.utils import write_atomically

#: Default reference row of the DeLong column, when a row has this name.
DEFAULT_REFERENCE = 'KGA-Net'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--configs', nargs='+', required=True)
    parser.add_argument('--names', nargs='+',
                        help='row names, one per config (default: stems)')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0])
    parser.add_argument(
        '--folds', type=int, metavar='K',
        help='K-fold cross-validation of the BUSV videos (both JSONs '
        'pooled); default: the configs\' own split')
    parser.add_argument('--fold-seed', type=int, default=0,
                        help='seed of the folds (default: 0)')
    parser.add_argument(
        '--reference',
        help='row the DeLong p-values compare with (default: the row named '
        f'{DEFAULT_REFERENCE!r} if any, else the last row)')
    parser.add_argument(
        '--bootstrap', type=int, default=2000,
        help='bootstrap resamples of the pooled AUC CI (default: 2000)')
    parser.add_argument('--bootstrap-seed', type=int, default=0,
                        help='seed of the bootstrap (default: 0)')
    parser.add_argument('--work-root', default='work_dirs/tables')
    parser.add_argument('--out', required=True, help='Markdown file')
    parser.add_argument('--title', default='Results')
    parser.add_argument('--jobs', type=int, default=1,
                        help='runs at a time (each with one torch thread '
                        'when > 1)')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='passed to both tools')
    parser.add_argument(
        '--oracle-of', metavar='NAME',
        help='add a row with the test predictions of row NAME rescored '
        'with the annotated lesion areas as frame weights (no training)')
    args = parser.parse_args(argv)
    if args.names and len(args.names) != len(args.configs):
        parser.error('--names needs one name per config')
    args.names = args.names or [
        osp.splitext(osp.basename(c))[0] for c in args.configs
    ]
    if args.folds is not None and args.folds < 2:
        parser.error(f'--folds must be >= 2, got {args.folds}')
    if args.bootstrap < 1:
        parser.error(f'--bootstrap must be >= 1, got {args.bootstrap}')
    if args.reference is None:
        args.reference = (DEFAULT_REFERENCE if DEFAULT_REFERENCE
                          in args.names else args.names[-1])
    elif args.reference not in args.names:
        parser.error(f'--reference {args.reference!r} is not a row name; '
                     f'rows: {", ".join(args.names)}')
    if args.oracle_of is not None and args.oracle_of not in args.names:
        parser.error(f'--oracle-of {args.oracle_of!r} is not a row name; '
                     f'rows: {", ".join(args.names)}')
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    settings = TableSettings(
        configs=tuple(args.configs), names=tuple(args.names),
        reference=args.reference, seeds=tuple(args.seeds),
        num_folds=args.folds, fold_seed=args.fold_seed,
        bootstrap=args.bootstrap, bootstrap_seed=args.bootstrap_seed,
        cfg_options=tuple(args.cfg_options), title=args.title,
        oracle_of=args.oracle_of)
    table = make_table(settings, args.work_root, args.jobs)
    write_atomically(args.out, lambda f: f.write(table))
    print(table)


if __name__ == '__main__':
    main()
