"""A results table as Markdown: what the rows and each column are, the
table, and the exact commands behind it."""
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np

from ..datasets.busv.cross_validation import DEFAULT_INNER_VAL_FRACTION
from .rows import Row
from .settings import TableSettings

#: Calibration keys of BinaryDiagnosisMetric and their column titles, and
#: the key of its number of ECE bins.
CALIBRATION = (('brier', 'Brier'), ('ece', 'ECE'))
ECE_BINS = 'ece_bins'
#: The rates at a threshold and their column titles.
RATES = (('acc', 'ACC'), ('sensitivity', 'Sensitivity'),
         ('specificity', 'Specificity'))
#: Below this a p-value is printed as ``<0.001``.
SMALLEST_PRINTED_P = 1e-3

#: A column: its title, and the cell of a row.
Column = Tuple[str, Callable[[Row], str]]


def mean_std(values: Sequence[float], scale: float = 100.,
             digits: int = 2) -> str:
    """``'mean +- std'`` of ``scale * values`` (population std), or the
    value alone when there is one.

    Args:
        values (Sequence[float]): The values, ``[N]``.
        scale (float): Factor of every value (100: in percent).
            Defaults to 100.
        digits (int): Decimals printed. Defaults to 2.

    Returns:
        str: E.g. ``'86.11 +- 5.20'``.
    """
    values = scale * np.asarray(values, dtype=np.float64)  # [N]
    if len(values) == 1:
        return f'{values[0]:.{digits}f}'
    return f'{values.mean():.{digits}f} +- {values.std():.{digits}f}'


def format_p(p: float) -> str:
    """A p-value with 3 decimals, or ``<0.001``."""
    return (f'<{SMALLEST_PRINTED_P}' if p < SMALLEST_PRINTED_P else
            f'{p:.3f}')


def run_columns(folds: bool) -> List[Column]:
    """AUC and the rates, mean +- std over runs (in %): at the test Youden
    threshold and, with folds, first at the inner-validation one."""

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
    """Columns computed from each seed's test predictions: with folds the
    pooled out-of-fold AUC and its CI; calibration; keyframe localisation
    (one column per key, or one ``n/a`` column when no row has any;
    ``oracle`` for the oracle row, whose weights are the lesion areas);
    the DeLong p-value; the number of test videos."""
    columns: List[Column] = []
    if folds:
        columns.append(('Pooled OOF AUC (%) [95% CI]', lambda row: '; '.join(
            f'{100 * m["auc"]:.2f} [{100 * m["auc_ci_low"]:.2f}, '
            f'{100 * m["auc_ci_high"]:.2f}]' for m in row.pooled.values())))

    def over_seeds(values: Callable[[Row], Dict[int, dict]],
                   key: str) -> Callable[[Row], str]:
        """mean +- std over seeds; ``n/a`` if a seed lacks the key."""
        def cell(row: Row) -> str:
            found = [m[key] for m in values(row).values() if key in m]
            return (mean_std(found, scale=1., digits=3)
                    if len(found) == len(row.tested) else 'n/a')
        return cell

    columns += [(title, over_seeds(lambda r: r.pooled, key))
                for key, title in CALIBRATION]
    def keyframe_cell(key: str) -> Callable[[Row], str]:
        cell = over_seeds(lambda r: r.keyframe, key)
        return lambda row: 'oracle' if row.oracle_of else cell(row)

    keyframe_keys = list(dict.fromkeys(
        key for row in rows for m in row.keyframe.values() for key in m))
    columns += [(key, keyframe_cell(key)) for key in keyframe_keys]
    if not keyframe_keys:
        columns.append(('Keyframe localisation',
                        lambda row: 'oracle' if row.oracle_of else 'n/a'))
    columns.append((
        f'p vs {reference} (DeLong)', lambda row: 'ref'
        if row.name == reference else ' / '.join(
            format_p(p) for p in row.delong_p.values())))
    columns.append(('Test videos', lambda row: ' / '.join(
        dict.fromkeys(str(len(p)) for p in row.tested.values()))))
    return columns


def describe(settings: TableSettings, keyframe: bool,
             ece_bins: Sequence[int]) -> List[str]:
    """What the rows and each column are.

    Args:
        settings (TableSettings): The table.
        keyframe (bool): Whether some row has keyframe localisation.
        ece_bins (Sequence[int]): The ECE bin counts of the rows.

    Returns:
        list[str]: Markdown lines.
    """
    if not settings.folds:
        lines = [
            f'Each row: one run per seed {list(settings.seeds)} on the '
            "configs' own train/test split. AUC, ACC, sensitivity and "
            'specificity: mean +- population std over the seeds (a single '
            'seed shows no spread), the rates at the test set\'s own Youden '
            'threshold, as in the paper (optimistic: the threshold is '
            'chosen on the scored videos).', ''
        ]
    else:
        lines = [
            f'Each row: {settings.num_folds}-fold cross-validation of the '
            'BUSV videos (both official JSONs pooled, class-stratified '
            f'folds, fold seed {settings.fold_seed}), seed(s) '
            f'{list(settings.seeds)}; BUSI images stay in training for '
            'every fold. Each run trains on the other folds less an '
            'inner-validation share '
            f'({DEFAULT_INNER_VAL_FRACTION:.0%} of each class, which also '
            'validates during training) and is tested on its fold.',
            '',
            '* AUC and the rates: mean +- population std over the '
            f'{settings.num_folds * len(settings.seeds)} runs (fold by '
            'fold).',
            '* @inner-val thr.: ACC, sensitivity and specificity on the '
            "fold's test videos at the Youden threshold of the same "
            "model's inner-validation predictions, fixed before the test "
            'videos are seen (the honest protocol).',
            "* @test Youden: at the Youden threshold of the fold's own test "
            "predictions (the paper's protocol; optimistic).",
            '* Pooled OOF AUC: the AUC of all folds\' test predictions '
            'together (every video scored once, by the model that did not '
            'train on it), with a 95% percentile bootstrap CI over '
            f'{settings.bootstrap} resamples of the videos (seed '
            f'{settings.bootstrap_seed}); one per seed, separated by ";".',
        ]
    reference = settings.reference
    lines += [
        '* Brier, ECE: calibration of the predicted malignancy '
        'probabilities, from BinaryDiagnosisMetric on the '
        + ('pooled out-of-fold predictions' if settings.folds else
           'test predictions') + '; mean +- std over seeds; ECE over '
        f'{" / ".join(map(str, ece_bins))} equal-width probability bins.',
        '* Keyframe localisation: KeyframeLocalisationMetric on the same '
        'predictions, for models that give frame weights; n/a otherwise'
        + ('' if keyframe else ' (not available here)') + '.',
        f'* p vs {reference} (DeLong): two-sided DeLong test of this '
        f"row's AUC against {reference}'s on the same test videos "
        '(paired by video id' + (', pooled over the folds' if settings.folds
                                 else '') + '); one p per seed, in seed '
        'order, separated by "/"; "ref" marks the reference row.',
        '* Test videos: videos scored per seed.',
    ]
    if settings.oracle_of is not None:
        lines.append(
            f'* {settings.oracle_name}: a control row, not a model: '
            f"{settings.oracle_of}'s own prediction files rescored with "
            'the annotated lesion area of each frame as its weight '
            '(normalised to sum 1; uniform for a video without any '
            f"annotated lesion) on {settings.oracle_of}'s frame features, "
            'exact because the video classifier is linear; no training. '
            'It bounds what choosing frames can gain on those features. '
            'Every column is computed as for the other rows; its keyframe '
            'localisation is perfect by construction ("oracle").')
    return lines


def format_table(settings: TableSettings, rows: Sequence[Row],
                 commands: List[str]) -> str:
    """The Markdown of a table: the description, the table, then the
    commands.

    Args:
        settings (TableSettings): The table.
        rows (Sequence[Row]): Its rows, DeLong p-values set.
        commands (list[str]): Shell lines of every run
            (:func:`~.runs.shell_line`).

    Returns:
        str: The Markdown text.
    """
    columns = run_columns(settings.folds) + per_seed_columns(
        rows, settings.folds, settings.reference)
    keyframe = any(m for row in rows for m in row.keyframe.values())
    ece_bins = sorted(
        {m[ECE_BINS] for row in rows for m in row.pooled.values()})
    lines = [f'# {settings.title}', '',
             *describe(settings, keyframe, ece_bins), '',
             '| Model | ' + ' | '.join(c[0] for c in columns) + ' |',
             '|---' * (len(columns) + 1) + '|']
    for row in rows:
        lines.append(f'| {row.name} | ' +
                     ' | '.join(cell(row) for _, cell in columns) + ' |')
    lines += ['', 'Commands (from the repository root):', '', '```bash']
    lines += commands + ['```', '']
    return '\n'.join(lines)
