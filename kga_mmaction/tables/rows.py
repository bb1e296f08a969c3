"""The rows of a results table: per seed, a row's test predictions (with
folds, pooled into the out-of-fold set) and what is computed from them,
and the DeLong p-value against the reference row on the same videos."""
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Sequence

from ..evaluation import (BinaryDiagnosisMetric, VideoPrediction,
                          load_predictions, paired_scores, pool_predictions)
from ..evaluation.functional import delong_test
from .prediction_metrics import evaluate, keyframe_metrics
from .runs import PREDICTIONS, Run
from .settings import TableSettings


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
            ``tested`` (:func:`~.prediction_metrics.keyframe_metrics`),
            with their prefix; empty where not available.
        delong_p (dict): Seed -> DeLong p-value against the reference row;
            empty for the reference itself.
    """
    name: str
    metrics: List[dict]
    tested: Dict[int, List[VideoPrediction]]
    pooled: Dict[int, Dict[str, float]]
    keyframe: Dict[int, Dict[str, float]]
    delong_p: Dict[int, float]


def build_row(name: str, runs: Sequence[Run], metrics: List[dict],
              settings: TableSettings) -> Row:
    """A row from its finished runs (DeLong p-values not yet set).

    Args:
        name (str): Row name.
        runs (Sequence[Run]): Its runs.
        metrics (list[dict]): Their ``metrics.json``.
        settings (TableSettings): The table; with folds, the AUC of each
            seed's pooled test predictions gets a bootstrap CI
            (``settings.bootstrap`` resamples, ``settings.bootstrap_seed``).

    Returns:
        Row: The row.
    """
    tested = {}
    for seed in dict.fromkeys(run.seed for run in runs):
        tested[seed] = pool_predictions([
            load_predictions(osp.join(run.work_dir, PREDICTIONS))
            for run in runs if run.seed == seed
        ])
    metric = dict(type=BinaryDiagnosisMetric.__name__)
    if settings.folds:
        metric.update(bootstrap=settings.bootstrap,
                      seed=settings.bootstrap_seed)
    return Row(
        name=name,
        metrics=metrics,
        tested=tested,
        pooled={s: evaluate(p, metric) for s, p in tested.items()},
        keyframe={s: keyframe_metrics(p) for s, p in tested.items()},
        delong_p={})


def build_rows(settings: TableSettings, runs: Sequence[Run],
               metrics: Sequence[dict]) -> List[Row]:
    """One row per config, from all runs in :func:`~.runs.plan_runs`'s
    order (config by config) and their metrics; DeLong p-values not yet
    set.

    Args:
        settings (TableSettings): The table (its row names).
        runs (Sequence[Run]): Every run of the table.
        metrics (Sequence[dict]): Their ``metrics.json``, in that order.

    Returns:
        list[Row]: The rows, in the order of ``settings.names``.
    """
    per_config = len(runs) // len(settings.names)
    return [
        build_row(name, runs[i * per_config:(i + 1) * per_config],
                  list(metrics[i * per_config:(i + 1) * per_config]),
                  settings) for i, name in enumerate(settings.names)
    ]


def add_delong(rows: Sequence[Row], reference: str) -> None:
    """Set each row's DeLong p-value against the reference row, seed by
    seed, on the same videos.

    Args:
        rows (Sequence[Row]): The rows.
        reference (str): Name of the reference row.

    Raises:
        ValueError: If a row's test videos differ from the reference's
            (:func:`~kga_mmaction.evaluation.paired_scores`).
    """
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
