"""The runs behind a results table: one training and its tests per
(config, seed) or, with cross-validation, per (config, seed, fold).

Without folds a run trains on the config's own train split and tests on
its test split, in ``<work-root>/<config stem>/seed<S>``. With ``K`` folds
``tools/train.py`` and ``tools/test.py`` get ``--folds K --fold I
--fold-seed S``, which pool the BUSV videos of both JSONs into K
class-stratified folds (:func:`kga_mmaction.datasets.
apply_cross_validation`; BUSI stays in training for every fold): the model
trains on the other folds less an inner-validation share (on which it also
validates) and is tested on fold I and, a second time, on the
inner-validation part. Its work dir is ``<work-root>/<config stem>/
fold<I>of<K>`` (``-seed<S>`` added with more than one seed), so a config in
two tables runs once.

Each run tests the last checkpoint with ``--out-predictions`` and stores
its scores (:func:`score_run`) as ``metrics.json`` in its work dir, last; a
run whose ``metrics.json`` exists is skipped, so running a table again
continues where it stopped. The tools are the installed package's
(:func:`~kga_mmaction.utils.tool_command`), run in the working directory.

:func:`plan_runs` reads what the runs need from the table's
:class:`TableSettings` once; a :class:`Run` then carries it to its
commands.
"""
import json
import os
import os.path as osp
import shlex
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from ..evaluation import load_predictions
from ..utils import tool_command, write_atomically
from .prediction_metrics import Loader, diagnosis_metrics
from .settings import TableSettings

#: Prediction files of a run's work dir: its test videos and, with folds,
#: its inner-validation videos.
PREDICTIONS = 'predictions.csv'
INNER_VAL_PREDICTIONS = 'inner_val_predictions.csv'
#: A run's scores; it is finished once this file exists.
METRICS_FILE = 'metrics.json'
#: Stands for the checkpoint the training run wrote last (mmengine records
#: its path in ``<work_dir>/last_checkpoint``).
LAST_CHECKPOINT = '<last checkpoint>'


@dataclass(frozen=True)
class Run:
    """One training and its tests.

    Attributes:
        config (str): Config file.
        seed (int): Training seed.
        work_dir (str): Where the run writes.
        fold (int, optional): The test fold; None for the config's split.
        num_folds (int, optional): K of the cross-validation that ``fold``
            is a fold of.
        fold_seed (int): Seed of the folds. Defaults to 0.
        cfg_options (tuple[str]): ``--cfg-options`` of both tools.
            Defaults to ().
    """
    config: str
    seed: int
    work_dir: str
    fold: Optional[int] = None
    num_folds: Optional[int] = None
    fold_seed: int = 0
    cfg_options: Tuple[str, ...] = ()


def plan_runs(settings: TableSettings, work_root: str) -> List[Run]:
    """Every run of a table, config by config, then seed by seed, then
    fold by fold.

    Args:
        settings (TableSettings): The table: its configs, seeds, folds and
            ``cfg_options``.
        work_root (str): Folder of every run's work dir.

    Returns:
        list[Run]: ``len(configs) * len(seeds) * (num_folds or 1)`` runs.
    """
    runs = []
    seeds, num_folds = settings.seeds, settings.num_folds
    for config in settings.configs:
        stem = osp.splitext(osp.basename(config))[0]
        for seed in seeds:
            if num_folds is None:
                runs.append(
                    Run(config, seed, osp.join(work_root, stem,
                                               f'seed{seed}'),
                        cfg_options=settings.cfg_options))
                continue
            suffix = f'-seed{seed}' if len(seeds) > 1 else ''
            runs += [
                Run(config, seed,
                    osp.join(work_root, stem,
                             f'fold{fold}of{num_folds}{suffix}'), fold,
                    num_folds, settings.fold_seed, settings.cfg_options)
                for fold in range(num_folds)
            ]
    return runs


def run_commands(run: Run) -> List[List[str]]:
    """The commands of one run: train, test and, with folds, test on the
    inner-validation part.

    Args:
        run (Run): The run.

    Returns:
        list[list[str]]: Each command's words, from ``python``, naming the
        tools from the repository root; the tests name the checkpoint
        :data:`LAST_CHECKPOINT`.
    """
    extra = ['--cfg-options', *run.cfg_options] if run.cfg_options else []
    folds = [] if run.fold is None else [
        '--folds', str(run.num_folds), '--fold', str(run.fold),
        '--fold-seed', str(run.fold_seed)
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
    """``command`` as a shell line that reads the last checkpoint's path
    from ``work_dir``."""
    words = [shlex.quote(w) for w in command]
    if LAST_CHECKPOINT in command:
        words[command.index(LAST_CHECKPOINT)] = (
            '"$(cat ' + shlex.quote(osp.join(work_dir, 'last_checkpoint')) +
            ')"')
    return ' '.join(words)


def score_run(work_dir: str, inner_val: bool,
              load: Loader = load_predictions) -> Dict[str, float]:
    """The metrics of a run's test predictions; with ``inner_val``, also at
    the Youden threshold of its inner-validation predictions (``*@fixed``).

    Args:
        work_dir (str): The run's work dir, with :data:`PREDICTIONS` (and
            :data:`INNER_VAL_PREDICTIONS`).
        inner_val (bool): Whether the run has inner-validation predictions
            (a cross-validation run).
        load (Loader): Reads a prediction file. Defaults to
            :func:`~kga_mmaction.evaluation.load_predictions`.

    Returns:
        dict: ``BinaryDiagnosisMetric`` without its prefix, ``num_videos``
        and, with ``inner_val``, ``inner_val_auc`` and
        ``inner_val_videos``.
    """
    threshold, inner = None, {}
    if inner_val:
        inner = diagnosis_metrics(osp.join(work_dir, INNER_VAL_PREDICTIONS),
                                  load=load)
        threshold = inner['threshold@youden']
    metrics = diagnosis_metrics(osp.join(work_dir, PREDICTIONS), threshold,
                                load=load)
    metrics['num_videos'] = metrics['num_positive'] + metrics['num_negative']
    if inner:
        metrics.update(
            inner_val_auc=inner['auc'],
            inner_val_videos=inner['num_positive'] + inner['num_negative'])
    return metrics


def run_one(run: Run, single_thread: bool = False) -> Dict:
    """Train, test and score one run; a finished one is read back.

    Args:
        run (Run): The run.
        single_thread (bool): One torch thread (runs side by side).
            Defaults to False.

    Returns:
        dict: The run's ``metrics.json``: :func:`score_run` with ``seed``,
        ``fold``, ``num_folds`` and ``config``.

    Raises:
        subprocess.CalledProcessError: If training or testing fails (its
            output is in ``<work_dir>/run.log``).
    """
    metrics_file = osp.join(run.work_dir, METRICS_FILE)
    if osp.isfile(metrics_file):
        with open(metrics_file) as f:
            return json.load(f)
    os.makedirs(run.work_dir, exist_ok=True)
    env = dict(os.environ)
    if single_thread:
        env.update(OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    train, *tests = run_commands(run)
    with open(osp.join(run.work_dir, 'run.log'), 'w') as log:
        subprocess.run(tool_command(train), env=env, stdout=log,
                       stderr=subprocess.STDOUT, check=True)
        with open(osp.join(run.work_dir, 'last_checkpoint')) as f:
            checkpoint = f.read().strip()
        for test in tests:
            test[test.index(LAST_CHECKPOINT)] = checkpoint
            subprocess.run(tool_command(test), env=env, stdout=log,
                           stderr=subprocess.STDOUT, check=True)
    metrics = score_run(run.work_dir, run.fold is not None)
    metrics.update(seed=run.seed, fold=run.fold, num_folds=run.num_folds,
                   config=run.config)
    # written last: the run counts as finished only now
    write_atomically(metrics_file, lambda f: json.dump(metrics, f, indent=2))
    return metrics


def run_all(runs: Sequence[Run], jobs: int) -> List[Dict]:
    """:func:`run_one` for every run of a table, ``jobs`` at a time (each
    with one torch thread when ``jobs > 1``).

    Returns:
        list[dict]: Each run's ``metrics.json``, in the order of ``runs``.
    """
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(lambda run: run_one(run, jobs > 1), runs))
