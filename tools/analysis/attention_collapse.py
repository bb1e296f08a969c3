"""Why does the paper recipe's attention collapse, and which stabiliser
keeps it alive? Writes ``results/attention_collapse.md``::

    python tools/analysis/attention_collapse.py

1. Data: the recipe study's synthetic BUSV/BUSI (``data/recipe_study``,
   kept when it exists; ``tools/analysis/recipe_study.py``'s arguments).
2. The ImageNet stand-in: ``configs/pretrain/`` trains the ResNet-50 as an
   mmpretrain ``ImageClassifier`` on the synthetic BUSI images through
   ``tools/train.py`` (skipped when its checkpoint exists); the study
   config starts from it through ``init_cfg``.
3. One run per stabiliser x seed on the paper recipe at CPU size
   (``configs/recipe_study/``: ResNet-50, sigmoid features, SGD at lr
   0.005, 16-frame clips, 8 videos + 8 images per batch), with
   :class:`~kga_mmaction.engine.AttentionMonitorHook` on, each trained and
   tested by :func:`kga_mmaction.tables.run_one` (finished runs are
   skipped).

The report gives, per monitored window of the paper recipe, the attention
logits, the share of saturated weights and the gradient norm that each loss
term sends to the attention FC and to the backbone's last stage; it names
the term and the window that drive the collapse; and it says, per
stabiliser and seed, whether the test attention is alive (std >= 0.05,
0.05 < mean < 0.95) and whether the video CE leaves ln 2 (< 0.6).
"""
import argparse
import os.path as osp
import shlex
import subprocess
import sys
from typing import Dict, List, Sequence

import numpy as np
from mmengine.config import Config

import kga_mmaction  # noqa: F401  (registers the plugin)
from kga_mmaction.tables import Run, run_commands, run_one, shell_line
from kga_mmaction.tables.run_logs import (monitor_records, test_metrics,
                                          train_curves)
from kga_mmaction.utils import shipped_path, tool_command, write_atomically

CONFIG = ('configs/recipe_study/'
          'kga-net_r50-synbusi-pre_1xb16-1x1x16-320it_synthetic.py')
PRETRAIN_CONFIG = ('configs/pretrain/'
                   'resnet50_1xb32-400it_synthetic-busi-64px.py')
#: The stand-in's checkpoint, as the study config names it.
PRETRAIN_CHECKPOINT = Config.fromfile(
    shipped_path(CONFIG)).pretrain_checkpoint
PRETRAIN_WORK_DIR = osp.dirname(PRETRAIN_CHECKPOINT)
DATA_ROOT = 'data/recipe_study'
DATA_ARGS = ('--videos-per-class', '40', '--frames', '32', '128',
             '--images-per-class', '120', '--normal-images', '30',
             '--difficulty', '0.7', '--val-fraction', '0.35',
             '--square-only', '--seed', '0')
WORK_ROOT = 'work_dirs/attention_collapse'
#: cfg-options of each stabiliser on the paper recipe.
STABILISERS: Dict[str, List[str]] = {
    'paper recipe': [],
    'normalized aggregation': [
        'model.cls_head.aggregation=attention_normalized'
    ],
    'centers from features': ['model.cls_head.loss_center.init=features'],
    'center-loss warm-up': [
        'model.cls_head.loss_center.warmup_iters=80'
    ],
    'normalized + centers from features': [
        'model.cls_head.aggregation=attention_normalized',
        'model.cls_head.loss_center.init=features'
    ],
    # centred logits pin the level of w that normalisation leaves free
    'normalized + centred logits + centers from features': [
        'model.cls_head.aggregation=attention_normalized',
        'model.cls_head.center_logits=True',
        'model.cls_head.loss_center.init=features'
    ],
    # the released coherence loss fixes the spread of 1 - w (eq. 3 is
    # blind to its scale); weight 0.5 matches the release (CoherenceLoss)
    'normalized + centers from features + released coherence': [
        'model.cls_head.aggregation=attention_normalized',
        'model.cls_head.loss_center.init=features',
        'model.cls_head.loss_coherence.variant=official',
        'model.cls_head.loss_coherence.loss_weight=0.5'
    ],
}
#: The loss terms, in the order the tables show them.
TERMS = ('loss_cls', 'loss_frame', 'loss_image', 'loss_center',
         'loss_coherence')
LN2 = float(np.log(2.))
#: What "alive" means for the test attention, and the video CE target.
MIN_STD, MEAN_RANGE, MAX_VIDEO_CE = 0.05, (0.05, 0.95), 0.6


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='results/attention_collapse.md')
    parser.add_argument('--stabilisers', nargs='+',
                        default=list(STABILISERS), choices=list(STABILISERS))
    parser.add_argument('--seeds', nargs='+', type=int, default=[0])
    parser.add_argument(
        '--seeds-of', nargs='*', default=[], metavar='STABILISER',
        help='stabilisers that run with --extra-seeds too')
    parser.add_argument('--extra-seeds', nargs='*', type=int, default=[1])
    parser.add_argument(
        '--max-iters', type=int,
        help='a shorter run: the config\'s schedule (warm-up over 1/8, '
        'x0.1 at 1/2 and 3/4) scaled to this many iterations')
    return parser.parse_args(argv)


def schedule_options(max_iters: int) -> List[str]:
    """cfg-options that scale the study config's schedule to
    ``max_iters``."""
    return [
        f'train_cfg.max_iters={max_iters}',
        f'train_cfg.val_interval={max_iters}',
        f'default_hooks.checkpoint.interval={max_iters}',
        f'param_scheduler.0.end={max_iters // 8}',
        f'param_scheduler.1.end={max_iters}',
        f'param_scheduler.1.milestones=[{max_iters // 2},'
        f'{max_iters * 3 // 4}]'
    ]


def run_tool(command: Sequence[str]) -> None:
    """Run ``python tools/...`` (the installed package's tool) here."""
    subprocess.run(tool_command(command), check=True,
                   stdout=subprocess.DEVNULL)


def fmt(value: float, digits: int = 3) -> str:
    """A number for the tables; tiny ones in scientific notation."""
    if value is None or np.isnan(value):
        return 'n/a'
    if 0 < abs(value) < 10**-digits:
        return f'{value:.1e}'
    return f'{value:.{digits}f}'


def driving_window(records: List[dict]) -> dict:
    """Where the level of the attention moves most, and the term that pushes
    it that way hardest.

    The window is the pair of consecutive records with the largest change
    of the mean attention logit. The term is the one whose signed level
    gradient (``attn/level_grad_<term>``, the gradient with respect to the
    attention bias) at the start of the window pushes hardest in the
    direction of that change; records written before the hook logged it
    fall back to the largest gradient norm (``attn/grad_<term>``), which
    does not say which way a term pushes.

    Returns:
        dict: ``start``, ``end`` (iterations), ``change`` (of the logit
        mean), ``term``, ``by`` (``'level'`` or ``'norm'``) and ``grads``
        (term -> the value compared).
    """
    change, start, end = max(
        ((b['attn/logit_mean'] - a['attn/logit_mean'], a, b)
         for a, b in zip(records, records[1:])),
        key=lambda d: abs(d[0]))
    by = 'level' if any(k.startswith('attn/level_grad_') for k in start) \
        else 'norm'
    key = 'attn/level_grad_' if by == 'level' else 'attn/grad_'
    # a gradient step moves the logits against the level gradient
    sign = -np.sign(change) if by == 'level' else 1.
    grads = {t: sign * start[key + t] for t in TERMS if key + t in start}
    return dict(start=start['iter'], end=end['iter'], change=change,
                term=max(grads, key=grads.get), by=by, grads=grads)


def summarise(work_dir: str) -> dict:
    """One run's numbers: the test attention and AUC, the last video CE."""
    curves = train_curves(work_dir)
    metrics = test_metrics(work_dir)
    mean = metrics.get('attention/weight_mean', float('nan'))
    std = metrics.get('attention/weight_std', float('nan'))
    video_ce = float(np.mean([c['loss_cls'] for c in curves[-2:]]))
    return dict(
        weight_mean=mean, weight_std=std, video_ce=video_ce,
        auc=metrics['diagnosis/auc'],
        keyframe=metrics.get('keyframe/top4_overlap', float('nan')),
        alive=bool(std >= MIN_STD and MEAN_RANGE[0] < mean < MEAN_RANGE[1]),
        learns=bool(video_ce < MAX_VIDEO_CE))


def window_table(records: List[dict], curves: List[dict]) -> List[str]:
    """Per monitored iteration: logits, saturation, gradient norms."""
    ce = {c['step']: c for c in curves}
    terms = [t for t in TERMS if f'backbone/grad_{t}' in records[0]]
    level = [t for t in TERMS if f'attn/level_grad_{t}' in records[0]]
    head = (['iter', 'w mean', 'logit mean', 'logit std', 'saturated'] +
            [f'attn level {t[5:]}' for t in level] +
            [f'attn grad {t[5:]}' for t in terms] +
            [f'backbone grad {t[5:]}' for t in terms] +
            ['loss_cls (window)', 'loss_center (window)'])
    lines = ['| ' + ' | '.join(head) + ' |', '|---' * len(head) + '|']
    for r in records:
        window = ce.get(r['iter'], {})
        cells = [str(r['iter']), fmt(r['attn/weight_mean']),
                 fmt(r['attn/logit_mean'], 2), fmt(r['attn/logit_std'], 2),
                 fmt(r['attn/saturated'], 2)]
        cells += [f'{r[f"attn/level_grad_{t}"]:+.2e}' for t in level]
        cells += [fmt(r.get(f'attn/grad_{t}', float('nan')), 4)
                  for t in terms]
        cells += [fmt(r[f'backbone/grad_{t}'], 4) for t in terms]
        cells += [fmt(window.get(k, float('nan')), 3)
                  for k in ('loss_cls', 'loss_center')]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return lines


def format_report(runs: List[dict], commands: Sequence[str],
                  argv: Sequence[str]) -> str:
    """The Markdown report."""
    lines = [
        '# Why the paper recipe\'s attention collapses (CPU size)', '',
        'Made by `python tools/analysis/attention_collapse.py ' +
        shlex.join(argv) + f'` (config `{CONFIG}`, backbone '
        f'from `{PRETRAIN_CONFIG}`, `AttentionMonitorHook` as the config sets it).',
        '', '## Per run', '',
        'Test attention over every frame of every test video (up to 128 '
        'per video); alive: std >= 0.05 and mean in (0.05, 0.95). Video CE: '
        'mean of the last two logged windows (ln 2 = 0.693 is chance); '
        'learns: below 0.6. keyframe top-4: share of the 4 most attended '
        'frames among the 4 with the largest lesion (chance about 4/T).', '',
        '| stabiliser | seed | w mean | w std | alive | video CE | learns | '
        'test AUC | keyframe top-4 | driving term (window) |',
        '|---' * 10 + '|'
    ]
    for run in runs:
        s, d = run['summary'], run['driver']
        lines.append(
            f'| {run["name"]} | {run["seed"]} | {fmt(s["weight_mean"])} | '
            f'{fmt(s["weight_std"])} | {"yes" if s["alive"] else "no"} | '
            f'{fmt(s["video_ce"])} | {"yes" if s["learns"] else "no"} | '
            f'{fmt(s["auc"])} | {fmt(s["keyframe"])} | {d["term"]} '
            f'(by {d["by"]}; {d["start"]}-{d["end"]}, logit mean '
            f'{d["change"]:+.2f}) |')
    for run in runs:
        lines += [
            '', f'## {run["name"]}, seed {run["seed"]}: per window', '',
            'At the first iteration and every 5 (runs made before the config '
            'asked for 5: every 20), on that iteration\'s batch after the '
            'update: the attention logits over the real video frames (as '
            'the sigmoid sees them), the share of weights below 1e-3 or '
            'above 1 - 1e-3, the signed gradient of each loss term with '
            'respect to the attention bias ("level": positive pushes every '
            'weight towards 0; absent in runs recorded before the hook '
            'logged it), and the L2 norm of the gradient of each term with '
            'respect to the attention FC and to the backbone\'s last stage. '
            'The two loss columns are the logged means of the window that '
            'ends there.',
            ''
        ]
        lines += window_table(run['records'], run['curves'])
    lines += ['', 'Commands (from the repository root):', '', '```bash']
    lines += list(commands) + ['```', '']
    return '\n'.join(lines)


def prepare_study() -> List[str]:
    """Write the study's data and train its ImageNet stand-in, each unless
    it exists; the two commands."""
    data = ['python', 'tools/data/make_synthetic.py', '--out', DATA_ROOT,
            *DATA_ARGS]
    pretrain = ['python', 'tools/train.py', PRETRAIN_CONFIG, '--work-dir',
                PRETRAIN_WORK_DIR]
    if not osp.isdir(DATA_ROOT):
        run_tool(data)
    if not osp.isfile(PRETRAIN_CHECKPOINT):
        run_tool(pretrain)
    return [' '.join(data), ' '.join(pretrain)]


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    commands = prepare_study()
    runs = []
    for name in args.stabilisers:
        seeds = args.seeds + (args.extra_seeds
                              if name in args.seeds_of else [])
        for seed in seeds:
            work_dir = osp.join(WORK_ROOT,
                                f'{name.replace(" ", "-")}-seed{seed}')
            options = STABILISERS[name] + (
                schedule_options(args.max_iters) if args.max_iters else [])
            study_run = Run(CONFIG, seed, work_dir,
                            cfg_options=tuple(options))
            run_one(study_run)
            commands.extend(
                shell_line(c, work_dir) for c in run_commands(study_run))
            records = monitor_records(work_dir)
            run = dict(name=name, seed=seed, records=records,
                       curves=train_curves(work_dir),
                       summary=summarise(work_dir),
                       driver=driving_window(records))
            print(f'{name}/seed {seed}: {run["summary"]}', flush=True)
            runs.append(run)
    report = format_report(runs, commands, argv)
    write_atomically(args.out, lambda f: f.write(report))
    print(report)


if __name__ == '__main__':
    main()
