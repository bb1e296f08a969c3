"""The rows of a results table: per seed, a row's test predictions (with
folds, pooled into the out-of-fold set) and what is computed from them,
and the DeLong p-value against the reference row on the same videos.

A lesion-area oracle row (:func:`build_oracle_row`) is derived from
another row's prediction files and goes through the same metric code."""
import os.path as osp
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Sequence

from ..evaluation import (BinaryDiagnosisMetric, VideoPrediction,
                          load_lesion_area_oracle, load_predictions,
                          paired_scores, pool_predictions)
from ..evaluation.functional import delong_test
from .prediction_metrics import Loader, evaluate, keyframe_metrics
from .runs import PREDICTIONS, Run, score_run
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
        oracle_of (str, optional): For a lesion-area oracle row, the row
            whose features it reweights; None otherwise.
    """
    name: str
    metrics: List[dict]
    tested: Dict[int, List[VideoPrediction]]
    pooled: Dict[int, Dict[str, float]]
    keyframe: Dict[int, Dict[str, float]]
    delong_p: Dict[int, float]
    oracle_of: Optional[str] = None


def build_row(name: str, runs: Sequence[Run], metrics: List[dict],
              settings: TableSettings,
              load: Loader = load_predictions,
              localise: bool = True) -> Row:
    """A row from its finished runs (DeLong p-values not yet set).

    Args:
        name (str): Row name.
        runs (Sequence[Run]): Its runs.
        metrics (list[dict]): Their ``metrics.json``.
        settings (TableSettings): The table; with folds, the AUC of each
            seed's pooled test predictions gets a bootstrap CI
            (``settings.bootstrap`` resamples, ``settings.bootstrap_seed``).
        load (Loader): Reads a run's prediction file. Defaults to
            :func:`~kga_mmaction.evaluation.load_predictions`.
        localise (bool): Compute keyframe localisation. Defaults to True.

    Returns:
        Row: The row.
    """
    tested = {}
    for seed in dict.fromkeys(run.seed for run in runs):
        tested[seed] = pool_predictions([
            load(osp.join(run.work_dir, PREDICTIONS))
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
        keyframe=({s: keyframe_metrics(p) for s, p in tested.items()}
                  if localise else {}),
        delong_p={})


def build_rows(settings: TableSettings, runs: Sequence[Run],
               metrics: Sequence[dict]) -> List[Row]:
    """One row per config, from all runs of the table and their metrics;
    DeLong p-values not yet set.

    Args:
        settings (TableSettings): The table (its row names and configs).
        runs (Sequence[Run]): Every run of the table
            (:func:`~.runs.plan_runs`).
        metrics (Sequence[dict]): Their ``metrics.json``, in that order.

    Returns:
        list[Row]: The rows, in the order of ``settings.names``.
    """
    rows = []
    for name, config in zip(settings.names, settings.configs):
        own = [i for i, run in enumerate(runs) if run.config == config]
        rows.append(build_row(name, [runs[i] for i in own],
                              [metrics[i] for i in own], settings))
    return rows


def build_oracle_row(settings: TableSettings, runs: Sequence[Run]) -> Row:
    """The lesion-area oracle of the row ``settings.oracle_of``.

    Each of that row's prediction files (test and, with folds,
    inner-validation) is rescored with the lesion areas as frame weights
    (:func:`~kga_mmaction.evaluation.load_lesion_area_oracle`) and scored
    as a run of its own (:func:`~.runs.score_run`) and a row of its own
    (:func:`build_row`). Its keyframe localisation is perfect by
    construction and not computed. No training or testing.

    Args:
        settings (TableSettings): The table, with ``oracle_of`` set.
        runs (Sequence[Run]): Every run of the table.

    Returns:
        Row: The row ``settings.oracle_name`` (DeLong p-values not yet set).

    Raises:
        ValueError: Naming the prediction file, if a video in it lacks
            ``frame_video_logits`` or ``frame_lesion_areas``.
    """
    config = settings.configs[settings.names.index(settings.oracle_of)]
    source = [run for run in runs if run.config == config]
    metrics = [
        score_run(run.work_dir, run.fold is not None,
                  load=load_lesion_area_oracle) for run in source
    ]
    row = build_row(settings.oracle_name, source, metrics, settings,
                    load=load_lesion_area_oracle, localise=False)
    return replace(row, oracle_of=settings.oracle_of)


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
