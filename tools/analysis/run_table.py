"""Train and test a list of configs over seeds or cross-validation folds;
write the results table.

Example (Table 2 on the synthetic data, 3-fold cross-validation, 2 runs at
a time)::

    python tools/analysis/run_table.py --title "Table 2 (synthetic)" \\
        --out results/table2_synthetic.md --folds 3 --jobs 2 \\
        --configs configs/demo/kga-net-wo-image-guidance_*.py ... \\
        --names "w/o image guidance" ... KGA-Net

Runs. Without ``--folds`` each (config, seed) is a run on the config's own
train/test split, in ``<work-root>/<config stem>/seed<S>``. With ``--folds
K`` each (config, seed, fold) is a run: ``tools/train.py`` and
``tools/test.py`` get ``--folds K --fold I --fold-seed S``, which pool the
BUSV videos of both JSONs into K class-stratified folds
(:func:`kga_mmaction.datasets.apply_cross_validation`; BUSI stays in
training for every fold); the model trains on the other folds less an
inner-validation share (on which it also validates) and is tested on fold I
and, a second time, on the inner-validation part. Work dirs are
``<work-root>/<config stem>/fold<I>of<K>`` (``-seed<S>`` added with more
than one seed), so a config in two tables runs once.

Each run tests the last checkpoint with ``--out-predictions`` and scores
the predictions with ``BinaryDiagnosisMetric`` (malignant = class 1;
:func:`kga_mmaction.evaluation.evaluate_predictions`): AUC, and ACC /
sensitivity / specificity at the test set's own Youden threshold
(``*@youden``, the paper's protocol) and, with folds, at the Youden
threshold of the inner-validation predictions (``*@fixed``, the honest
protocol). They are stored, without the metric's ``diagnosis/`` prefix, as
``metrics.json`` in the run's work dir; a run whose ``metrics.json``
exists is skipped, so re-running continues an interrupted table.

The Markdown table gives per row the mean +- std over runs; with folds
also the pooled out-of-fold AUC with a bootstrap 95% CI; calibration
(``brier``, ``ece``) and keyframe localisation when the metrics provide
them; and the DeLong p-value against a reference row on the same videos.
It says what each column is and lists the exact commands.
"""
import argparse
import json
import numbers
import os
import os.path as osp
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmaction.registry import METRICS

from kga_mmaction.datasets.busv.cross_validation import \
    DEFAULT_INNER_VAL_FRACTION
from kga_mmaction.evaluation import (BinaryDiagnosisMetric, VideoPrediction,
                                     evaluate_predictions, load_predictions,
                                     paired_scores, pool_predictions)
from kga_mmaction.evaluation.functional import delong_test
from kga_mmaction.utils import write_atomically

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: Prediction files of a run's work dir: its test videos and, with folds,
#: its inner-validation videos.
PREDICTIONS = 'predictions.csv'
INNER_VAL_PREDICTIONS = 'inner_val_predictions.csv'
#: The metric of keyframe localisation, computed on a row's predictions
#: when it is registered and the model gives frame weights.
KEYFRAME_METRIC = 'KeyframeLocalisationMetric'
#: Calibration keys of BinaryDiagnosisMetric, shown when it returns them,
#: and the key of its number of ECE bins.
CALIBRATION = (('brier', 'Brier'), ('ece', 'ECE'))
ECE_BINS = 'ece_bins'
RATES = (('acc', 'ACC'), ('sensitivity', 'Sensitivity'),
         ('specificity', 'Specificity'))
#: Stands for the checkpoint the training run wrote last (mmengine records
#: its path in ``<work_dir>/last_checkpoint``).
LAST_CHECKPOINT = '<last checkpoint>'
#: Default reference row of the DeLong column, when a row has this name.
DEFAULT_REFERENCE = 'KGA-Net'
#: Below this a p-value is printed as ``<0.001``.
SMALLEST_PRINTED_P = 1e-3


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
    return args


@dataclass(frozen=True)
class Run:
    """One training and its tests.

    Attributes:
        config (str): Config file.
        seed (int): Training seed.
        work_dir (str): Where the run writes.
        fold (int, optional): The test fold; None for the config's split.
    """
    config: str
    seed: int
    work_dir: str
    fold: Optional[int] = None


def plan_runs(configs: Sequence[str], seeds: Sequence[int],
              num_folds: Optional[int], work_root: str) -> List[Run]:
    """Every run, config by config, then seed by seed, then fold by fold.
    """
    runs = []
    for config in configs:
        stem = osp.splitext(osp.basename(config))[0]
        for seed in seeds:
            if num_folds is None:
                runs.append(
                    Run(config, seed, osp.join(work_root, stem,
                                               f'seed{seed}')))
                continue
            suffix = f'-seed{seed}' if len(seeds) > 1 else ''
            runs += [
                Run(config, seed,
                    osp.join(work_root, stem,
                             f'fold{fold}of{num_folds}{suffix}'), fold)
                for fold in range(num_folds)
            ]
    return runs


def run_commands(run: Run, num_folds: Optional[int], fold_seed: int,
                 cfg_options: Sequence[str]) -> List[List[str]]:
    """The commands of one run: train, test and, with folds, test on the
    inner-validation part."""
    extra = ['--cfg-options', *cfg_options] if cfg_options else []
    folds = [] if run.fold is None else [
        '--folds', str(num_folds), '--fold', str(run.fold), '--fold-seed',
        str(fold_seed)
    ]

    def test(predictions: str, *part: str) -> List[str]:
        return [
            'python', 'tools/test.py', run.config, LAST_CHECKPOINT,
            '--work-dir', run.work_dir, '--out-predictions',
            osp.join(run.work_dir, predictions), *folds, *part, *extra
        ]

    commands = [['python', 'tools/train.py', run.config, '--work-dir',
                 run.work_dir, '--seed', str(run.seed), *folds, *extra],
                test(PREDICTIONS)]
    if run.fold is not None:
        commands.append(
            test(INNER_VAL_PREDICTIONS, '--fold-part', 'inner_val'))
    return commands


def shell_line(command: List[str], work_dir: str) -> str:
    """``command`` as a shell line that reads the last checkpoint's path."""
    words = [shlex.quote(w) for w in command]
    if LAST_CHECKPOINT in command:
        words[command.index(LAST_CHECKPOINT)] = (
            '"$(cat ' + shlex.quote(osp.join(work_dir, 'last_checkpoint')) +
            ')"')
    return ' '.join(words)


def evaluate(predictions: Sequence[VideoPrediction], metric: dict,
             keep_prefix: bool = False) -> Dict[str, float]:
    """A metric of the predictions, without its prefix unless asked."""
    metrics = evaluate_predictions(predictions, metric)
    if keep_prefix:
        return metrics
    return {key.split('/', 1)[-1]: value for key, value in metrics.items()}


def diagnosis_metrics(path: str,
                      threshold: Optional[float] = None) -> Dict[str, float]:
    """``BinaryDiagnosisMetric`` of a prediction file (with ``threshold``
    as its fixed threshold), without its prefix."""
    return evaluate(
        load_predictions(path),
        dict(type=BinaryDiagnosisMetric.__name__, threshold=threshold))


def score_run(work_dir: str, inner_val: bool) -> Dict[str, float]:
    """The metrics of a run's test predictions; with ``inner_val``, also at
    the Youden threshold of its inner-validation predictions (``*@fixed``).
    """
    threshold, inner = None, {}
    if inner_val:
        inner = diagnosis_metrics(osp.join(work_dir, INNER_VAL_PREDICTIONS))
        threshold = inner['threshold@youden']
    metrics = diagnosis_metrics(osp.join(work_dir, PREDICTIONS), threshold)
    metrics['num_videos'] = metrics['num_positive'] + metrics['num_negative']
    if inner:
        metrics.update(
            inner_val_auc=inner['auc'],
            inner_val_videos=inner['num_positive'] + inner['num_negative'])
    return metrics


def run_one(run: Run, num_folds: Optional[int], fold_seed: int,
            cfg_options: Sequence[str], single_thread: bool) -> Dict:
    """Train, test and score one run; skip a finished one."""
    metrics_file = osp.join(run.work_dir, 'metrics.json')
    if osp.isfile(metrics_file):
        with open(metrics_file) as f:
            return json.load(f)
    os.makedirs(run.work_dir, exist_ok=True)
    env = dict(os.environ)
    if single_thread:
        env.update(OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    train, *tests = run_commands(run, num_folds, fold_seed, cfg_options)
    with open(osp.join(run.work_dir, 'run.log'), 'w') as log:
        subprocess.run([sys.executable, *train[1:]], cwd=ROOT, env=env,
                       stdout=log, stderr=subprocess.STDOUT, check=True)
        with open(osp.join(run.work_dir, 'last_checkpoint')) as f:
            checkpoint = f.read().strip()
        for test in tests:
            test[test.index(LAST_CHECKPOINT)] = checkpoint
            subprocess.run([sys.executable, *test[1:]], cwd=ROOT, env=env,
                           stdout=log, stderr=subprocess.STDOUT, check=True)
    metrics = score_run(run.work_dir, run.fold is not None)
    metrics.update(seed=run.seed, fold=run.fold, num_folds=num_folds,
                   config=run.config)
    # written last: the run counts as finished only now
    write_atomically(metrics_file, lambda f: json.dump(metrics, f, indent=2))
    return metrics


@dataclass
class Row:
    """A table row: its runs, their metrics, and per seed the predictions
    of all its test videos with what is computed from them.

    Attributes:
        name (str): Row name.
        metrics (list[dict]): ``metrics.json`` of each run.
        tested (dict): Seed -> the test predictions (with folds, pooled
            over the folds).
        pooled (dict): Seed -> ``BinaryDiagnosisMetric`` of ``tested``
            (with bootstrap CIs when pooled over folds), no prefix.
        keyframe (dict): Seed -> keyframe-localisation metrics of
            ``tested``, with their prefix; empty where not available.
        delong_p (dict): Seed -> DeLong p-value against the reference row;
            empty for the reference itself.
    """
    name: str
    metrics: List[dict]
    tested: Dict[int, List[VideoPrediction]]
    pooled: Dict[int, Dict[str, float]]
    keyframe: Dict[int, Dict[str, float]]
    delong_p: Dict[int, float]


def keyframe_metrics(
        predictions: Sequence[VideoPrediction]) -> Dict[str, float]:
    """:data:`KEYFRAME_METRIC` (default arguments) of the predictions, its
    averages only (not its video counts), with its prefix; empty when it
    is not registered or a prediction has no frame weights."""
    if METRICS.get(KEYFRAME_METRIC) is None or any(
            p.frame_weights is None for p in predictions):
        return {}
    return {
        key: value
        for key, value in evaluate(predictions, dict(type=KEYFRAME_METRIC),
                                   keep_prefix=True).items()
        if isinstance(value, numbers.Real)
        and not isinstance(value, numbers.Integral)
    }


def build_row(name: str, runs: Sequence[Run], metrics: List[dict],
              pooled_ci: bool, bootstrap: int,
              bootstrap_seed: int) -> Row:
    """A row from its finished runs (DeLong p-values not yet set).

    Args:
        name (str): Row name.
        runs (Sequence[Run]): Its runs.
        metrics (list[dict]): Their ``metrics.json``.
        pooled_ci (bool): Bootstrap the AUC of each seed's pooled test
            predictions (with folds).
        bootstrap (int): Number of bootstrap resamples.
        bootstrap_seed (int): Seed of the bootstrap.
    """
    tested = {}
    for seed in dict.fromkeys(run.seed for run in runs):
        tested[seed] = pool_predictions([
            load_predictions(osp.join(run.work_dir, PREDICTIONS))
            for run in runs if run.seed == seed
        ])
    metric = dict(type=BinaryDiagnosisMetric.__name__)
    if pooled_ci:
        metric.update(bootstrap=bootstrap, seed=bootstrap_seed)
    return Row(
        name=name,
        metrics=metrics,
        tested=tested,
        pooled={s: evaluate(p, metric) for s, p in tested.items()},
        keyframe={s: keyframe_metrics(p) for s, p in tested.items()},
        delong_p={})


def add_delong(rows: Sequence[Row], reference: str) -> None:
    """Set each row's DeLong p-value against the reference row, seed by
    seed, on the same videos (:func:`~kga_mmaction.evaluation.
    paired_scores`; an error if the videos differ)."""
    ref = next(row for row in rows if row.name == reference)
    for row in rows:
        if row is ref:
            continue
        for seed, predictions in row.tested.items():
            try:
                pairs = paired_scores(predictions, ref.tested[seed])
            except ValueError as err:
                raise ValueError(f'{row.name} vs {reference}, seed {seed}: '
                                 f'{err}') from err
            row.delong_p[seed] = delong_test(*pairs)[2]


def mean_std(values: Sequence[float], scale: float = 100.,
             digits: int = 2) -> str:
    """``'mean +- std'`` of ``scale * values`` (population std), or the
    value alone when there is one."""
    values = scale * np.asarray(values, dtype=np.float64)
    if len(values) == 1:
        return f'{values[0]:.{digits}f}'
    return f'{values.mean():.{digits}f} +- {values.std():.{digits}f}'


def format_p(p: float) -> str:
    """A p-value with 3 decimals, or ``<0.001``."""
    return (f'<{SMALLEST_PRINTED_P}' if p < SMALLEST_PRINTED_P else
            f'{p:.3f}')


Column = Tuple[str, Callable[[Row], str]]


def run_columns(folds: bool) -> List[Column]:
    """AUC and the rates, mean +- std over runs (in %)."""

    def over_runs(key: str) -> Callable[[Row], str]:
        return lambda row: mean_std([m[key] for m in row.metrics])

    columns = [('AUC (%)', over_runs('auc'))]
    thresholds = (('fixed', ' @inner-val thr.'),
                  ('youden', ' @test Youden')) if folds else (('youden', ''),)
    for point, label in thresholds:
        columns += [(f'{title} (%){label}', over_runs(f'{key}@{point}'))
                    for key, title in RATES]
    return columns


def per_seed_columns(rows: Sequence[Row], folds: bool,
                     reference: str) -> List[Column]:
    """Columns computed from each seed's test predictions."""
    columns: List[Column] = []
    if folds:
        columns.append(('Pooled OOF AUC (%) [95% CI]', lambda row: '; '.join(
            f'{100 * m["auc"]:.2f} [{100 * m["auc_ci_low"]:.2f}, '
            f'{100 * m["auc_ci_high"]:.2f}]' for m in row.pooled.values())))

    def over_seeds(values: Callable[[Row], Dict[int, dict]],
                   key: str) -> Callable[[Row], str]:
        def cell(row: Row) -> str:
            found = [m[key] for m in values(row).values() if key in m]
            return (mean_std(found, scale=1., digits=3)
                    if len(found) == len(row.tested) else 'n/a')
        return cell

    for key, title in CALIBRATION:
        if any(key in m for row in rows for m in row.pooled.values()):
            columns.append((title, over_seeds(lambda r: r.pooled, key)))
    keyframe_keys = list(dict.fromkeys(
        key for row in rows for m in row.keyframe.values() for key in m))
    columns += [(key, over_seeds(lambda r: r.keyframe, key))
                for key in keyframe_keys]
    if not keyframe_keys:
        columns.append(('Keyframe localisation', lambda row: 'n/a'))
    columns.append((
        f'p vs {reference} (DeLong)', lambda row: 'ref'
        if row.name == reference else ' / '.join(
            format_p(p) for p in row.delong_p.values())))
    columns.append(('Test videos', lambda row: ' / '.join(
        dict.fromkeys(str(len(p)) for p in row.tested.values()))))
    return columns


def describe(args: argparse.Namespace, keyframe: bool,
             ece_bins: Sequence[int]) -> List[str]:
    """What the rows and each column are."""
    if args.folds is None:
        lines = [
            f'Each row: one run per seed {list(args.seeds)} on the '
            "configs' own train/test split. AUC, ACC, sensitivity and "
            'specificity: mean +- population std over the seeds (a single '
            'seed shows no spread), the rates at the test set\'s own Youden '
            'threshold, as in the paper (optimistic: the threshold is '
            'chosen on the scored videos).', ''
        ]
    else:
        lines = [
            f'Each row: {args.folds}-fold cross-validation of the BUSV '
            'videos (both official JSONs pooled, class-stratified folds, '
            f'fold seed {args.fold_seed}), seed(s) {list(args.seeds)}; BUSI '
            'images stay in training for every fold. Each run trains on '
            'the other folds less an inner-validation share '
            f'({DEFAULT_INNER_VAL_FRACTION:.0%} of each class, which also '
            'validates during training) and is tested on its fold.',
            '',
            '* AUC and the rates: mean +- population std over the '
            f'{args.folds * len(args.seeds)} runs (fold by fold).',
            '* @inner-val thr.: ACC, sensitivity and specificity on the '
            "fold's test videos at the Youden threshold of the same "
            "model's inner-validation predictions, fixed before the test "
            'videos are seen (the honest protocol).',
            "* @test Youden: at the Youden threshold of the fold's own test "
            "predictions (the paper's protocol; optimistic).",
            '* Pooled OOF AUC: the AUC of all folds\' test predictions '
            'together (every video scored once, by the model that did not '
            'train on it), with a 95% percentile bootstrap CI over '
            f'{args.bootstrap} resamples of the videos (seed '
            f'{args.bootstrap_seed}); one per seed, separated by ";".',
        ]
    lines += [
        '* Brier, ECE (when shown): calibration of the predicted malignancy '
        'probabilities, from BinaryDiagnosisMetric on the '
        + ('pooled out-of-fold predictions' if args.folds else
           'test predictions') + '; mean +- std over seeds' +
        (f'; ECE over {" / ".join(map(str, ece_bins))} equal-width '
         'probability bins' if ece_bins else '') + '.',
        '* Keyframe localisation: KeyframeLocalisationMetric on the same '
        'predictions, for models that give frame weights; n/a otherwise'
        + ('' if keyframe else ' (not available here)') + '.',
        f'* p vs {args.reference} (DeLong): two-sided DeLong test of this '
        f"row's AUC against {args.reference}'s on the same test videos "
        '(paired by video id' + (', pooled over the folds' if args.folds
                                 else '') + '); one p per seed, in seed '
        'order, separated by "/"; "ref" marks the reference row.',
        '* Test videos: videos scored per seed.',
    ]
    return lines


def format_table(args: argparse.Namespace, rows: Sequence[Row],
                 commands: List[str]) -> str:
    """Markdown: the description, the table, then the commands."""
    folds = args.folds is not None
    columns = run_columns(folds) + per_seed_columns(rows, folds,
                                                    args.reference)
    keyframe = any(m for row in rows for m in row.keyframe.values())
    ece_bins = sorted({
        m[ECE_BINS] for row in rows for m in row.pooled.values()
        if ECE_BINS in m
    })
    lines = [f'# {args.title}', '', *describe(args, keyframe, ece_bins), '',
             '| Model | ' + ' | '.join(c[0] for c in columns) + ' |',
             '|---' * (len(columns) + 1) + '|']
    for row in rows:
        lines.append(f'| {row.name} | ' +
                     ' | '.join(cell(row) for _, cell in columns) + ' |')
    lines += ['', 'Commands (from the repository root):', '', '```bash']
    lines += commands + ['```', '']
    return '\n'.join(lines)


def main(argv=None) -> None:
    args = parse_args(argv)
    runs = plan_runs(args.configs, args.seeds, args.folds, args.work_root)
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(
            pool.map(
                lambda run: run_one(run, args.folds, args.fold_seed,
                                    args.cfg_options, args.jobs > 1),
                runs))
    per_config = len(runs) // len(args.configs)
    rows = [
        build_row(name, runs[i * per_config:(i + 1) * per_config],
                  results[i * per_config:(i + 1) * per_config],
                  args.folds is not None, args.bootstrap,
                  args.bootstrap_seed) for i, name in enumerate(args.names)
    ]
    add_delong(rows, args.reference)
    commands = [
        shell_line(command, run.work_dir) for run in runs
        for command in run_commands(run, args.folds, args.fold_seed,
                                    args.cfg_options)
    ]
    table = format_table(args, rows, commands)
    write_atomically(args.out, lambda f: f.write(table))
    print(table)


if __name__ == '__main__':
    main()
