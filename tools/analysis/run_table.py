"""Train and test a list of configs over seeds; write the results table.

Example (Table 2 on the synthetic data, 3 seeds, 2 runs at a time)::

    python tools/analysis/run_table.py --title "Table 2 (synthetic)" \\
        --out results/table2_synthetic.md --seeds 0 1 2 --jobs 2 \\
        --configs configs/demo/kga-net-wo-image-guidance_*.py ...

Each run trains with ``tools/train.py CONFIG --seed S``, tests the last
checkpoint with ``tools/test.py ... --out-predictions predictions.csv`` and
recomputes AUC and ACC / sensitivity / specificity at the Youden threshold
from those predictions with ``BinaryDiagnosisMetric`` (malignant = class 1;
:func:`kga_mmaction.evaluation.evaluate_predictions`), stored, without the
metric's ``diagnosis/`` prefix, as ``metrics.json`` in the run's work dir. A
run whose ``metrics.json`` exists is skipped, so re-running continues an
interrupted table. The Markdown table gives mean +- std over seeds (in %)
and lists the exact commands.
"""
import argparse
import json
import os
import os.path as osp
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Sequence

import numpy as np

from kga_mmaction.evaluation import (BinaryDiagnosisMetric,
                                     evaluate_predictions, load_predictions)
from kga_mmaction.utils import write_atomically

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
COLUMNS = (('auc', 'AUC'), ('acc@youden', 'ACC'),
           ('sensitivity@youden', 'Sensitivity'),
           ('specificity@youden', 'Specificity'))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--configs', nargs='+', required=True)
    parser.add_argument('--names', nargs='+',
                        help='row names, one per config (default: stems)')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0])
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
    return args


#: Stands for the checkpoint the training run wrote last (mmengine records
#: its path in ``<work_dir>/last_checkpoint``).
LAST_CHECKPOINT = '<last checkpoint>'


def run_commands(config: str, seed: int, work_dir: str,
                 cfg_options: Sequence[str]) -> List[List[str]]:
    """The train and test commands of one run."""
    extra = ['--cfg-options', *cfg_options] if cfg_options else []
    return [
        ['python', 'tools/train.py', config, '--work-dir', work_dir,
         '--seed', str(seed), *extra],
        ['python', 'tools/test.py', config, LAST_CHECKPOINT, '--work-dir',
         work_dir, '--out-predictions',
         osp.join(work_dir, 'predictions.csv'), *extra],
    ]


def shell_line(command: List[str], work_dir: str) -> str:
    """``command`` as a shell line that reads the last checkpoint's path."""
    words = [shlex.quote(w) for w in command]
    if LAST_CHECKPOINT in command:
        words[command.index(LAST_CHECKPOINT)] = (
            '"$(cat ' + shlex.quote(osp.join(work_dir, 'last_checkpoint')) +
            ')"')
    return ' '.join(words)


def diagnosis_metrics(path: str) -> Dict[str, float]:
    """``BinaryDiagnosisMetric`` of a prediction file, without its prefix.
    """
    metric = BinaryDiagnosisMetric.__name__
    prefix = f'{BinaryDiagnosisMetric.default_prefix}/'
    metrics = evaluate_predictions(load_predictions(path), dict(type=metric))
    return {key[len(prefix):]: value for key, value in metrics.items()}


def run_one(config: str, seed: int, work_dir: str,
            cfg_options: Sequence[str], single_thread: bool) -> Dict:
    """Train, test and score one (config, seed); skip a finished run."""
    metrics_file = osp.join(work_dir, 'metrics.json')
    if osp.isfile(metrics_file):
        with open(metrics_file) as f:
            return json.load(f)
    os.makedirs(work_dir, exist_ok=True)
    env = dict(os.environ)
    if single_thread:
        env.update(OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    train, test = run_commands(config, seed, work_dir, cfg_options)
    with open(osp.join(work_dir, 'run.log'), 'w') as log:
        subprocess.run([sys.executable, *train[1:]], cwd=ROOT, env=env,
                       stdout=log, stderr=subprocess.STDOUT, check=True)
        with open(osp.join(work_dir, 'last_checkpoint')) as f:
            test[test.index(LAST_CHECKPOINT)] = f.read().strip()
        subprocess.run([sys.executable, *test[1:]], cwd=ROOT, env=env,
                       stdout=log, stderr=subprocess.STDOUT, check=True)
    metrics = diagnosis_metrics(osp.join(work_dir, 'predictions.csv'))
    metrics.update(
        num_videos=metrics['num_positive'] + metrics['num_negative'],
        seed=seed, config=config)
    tmp = metrics_file + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(metrics, f, indent=2)
    os.replace(tmp, metrics_file)  # the run counts as finished only now
    return metrics


def format_table(title: str, rows: List[tuple], seeds: Sequence[int],
                 commands: List[str]) -> str:
    """Markdown: mean +- std (%) over seeds per row, then the commands."""
    lines = [f'# {title}', '',
             f'Mean +- standard deviation over seeds {list(seeds)} '
             '(population std; a single seed shows no spread). Thresholds '
             'at the Youden index, as in the paper.', '',
             '| Model | ' + ' | '.join(c[1] + ' (%)' for c in COLUMNS) +
             ' | Test videos |',
             '|---' * (len(COLUMNS) + 2) + '|']
    for name, runs in rows:
        cells = []
        for key, _ in COLUMNS:
            values = 100 * np.array([r[key] for r in runs])
            cells.append(f'{values.mean():.2f} +- {values.std():.2f}'
                         if len(values) > 1 else f'{values[0]:.2f}')
        lines.append(f'| {name} | ' + ' | '.join(cells) +
                     f' | {runs[0]["num_videos"]} |')
    lines += ['', 'Commands (from the repository root):', '', '```bash']
    lines += commands + ['```', '']
    return '\n'.join(lines)


def main(argv=None) -> None:
    args = parse_args(argv)
    names = args.names or [
        osp.splitext(osp.basename(c))[0] for c in args.configs
    ]
    jobs = []
    for config in args.configs:
        stem = osp.splitext(osp.basename(config))[0]
        for seed in args.seeds:
            jobs.append((config, seed,
                         osp.join(args.work_root, stem, f'seed{seed}')))
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(
            pool.map(
                lambda job: run_one(*job, args.cfg_options, args.jobs > 1),
                jobs))
    per_config = len(args.seeds)
    rows = [(names[i], results[i * per_config:(i + 1) * per_config])
            for i in range(len(args.configs))]
    commands = [
        shell_line(command, work_dir) for config, seed, work_dir in jobs
        for command in run_commands(config, seed, work_dir, args.cfg_options)
    ]
    table = format_table(args.title, rows, args.seeds, commands)
    write_atomically(args.out, lambda f: f.write(table))
    print(table)


if __name__ == '__main__':
    main()
