"""Does the paper recipe train? Frame aggregation x coherence variant x seed.

Runs the paper's recipe at CPU size (``configs/recipe_study/``
``kga-net_r50-synbusi-pre_1xb16-1x1x16-320it_synthetic.py``: ResNet-50
with sigmoid features, SGD at lr 0.005 with momentum 0.9, the warm-up and
decay scaled to the run, 16-frame clips, 8 videos + 8 images per batch,
tests on up to 128 frames) and writes ``results/recipe_study.md``::

    python tools/analysis/recipe_study.py

1. Data: ``tools/data/make_synthetic.py`` writes the study's BUSV/BUSI to
   ``data/recipe_study`` (kept when it exists).
2. The ImageNet stand-in: no ImageNet weights can be downloaded here, so
   ``configs/pretrain/`` trains the ResNet-50 as an mmpretrain
   ``ImageClassifier`` on the synthetic BUSI images first
   (:func:`attention_collapse.prepare_study` writes both).
3. One run per aggregation (``attention_sum``: ``sum_i w_i F_i`` as eq. 1
   is written; ``attention_mean``: divided by the frame count, as released)
   x coherence variant
   (``paper``: eq. 3; ``official``: the released code, at the released
   normalisation) x seed, each trained and tested by
   :func:`kga_mmaction.tables.run_one`, as ``tools/analysis/run_table.py``
   runs them (finished runs are skipped).
4. The CPU demo (trained from scratch) as shipped and on the paper recipe
   (SGD and sigmoid features), on the data of ``make demo``.

Per run the report gives the loss curves, the mean and spread of the test
attention weights, the mean per-video correlation between attention and
own-class center distance (``AttentionDistanceMetric``) and the test AUC.
"""
import argparse
import os.path as osp
from typing import List, Sequence

import numpy as np

import kga_mmaction  # noqa: F401  (registers the plugin)
from kga_mmaction.tables import Run, run_commands, run_one, shell_line
from kga_mmaction.tables.run_logs import test_metrics, train_curves
from kga_mmaction.utils import write_atomically

from attention_collapse import (CONFIG, PRETRAIN_CONFIG, prepare_study,
                                run_tool)

#: Where the runs go (the data and the stand-in: :mod:`attention_collapse`).
WORK_ROOT = 'work_dirs/recipe_study'
#: cfg-options of each coherence variant. The released code averages its
#: MSE over the whole batch, whose image rows are zero; the loss averages
#: over the videos, so weight N / (N + M) = 0.5 with 1:1 batches matches it.
VARIANT_OPTIONS = {
    'paper': ['model.cls_head.loss_coherence.variant=paper',
              'model.cls_head.loss_coherence.loss_weight=1.0'],
    'official': ['model.cls_head.loss_coherence.variant=official',
                 'model.cls_head.loss_coherence.loss_weight=0.5'],
}
#: The CPU demo (from scratch, 600 iterations) as shipped (AdamW, no sigmoid,
#: centers and video classifier at 20x and 8x the lr), with the video
#: classifier at the common lr, and on the paper recipe: sigmoid features,
#: SGD at lr 0.005 with momentum 0.9, every parameter at the common lr,
#: warm-up over the first 1/8 (from 0.001 of the lr) and x0.1 at 1/2 and 3/4
#: of the run.
DEMO_CONFIG = 'configs/demo/kga-net_r18-half_1xb8-1x1x8-600it_synthetic.py'
DEMO_DATA_ROOT = 'data/synthetic'
#: the data `make demo` trained on when this study was run (it now trains
#: on `--preset busv-like`, under `data/busv-like`)
DEMO_DATA_ARGS = ('--videos-per-class', '40', '--val-fraction', '0.3')
#: the demo config, pointed at that data
DEMO_DATA_OPTIONS = [
    f'train_dataloader.dataset.video.data_root={DEMO_DATA_ROOT}/busv',
    'train_dataloader.dataset.image.data_root='
    f'{DEMO_DATA_ROOT}/Dataset_BUSI_with_GT',
    f'val_dataloader.dataset.data_root={DEMO_DATA_ROOT}/busv',
    f'test_dataloader.dataset.data_root={DEMO_DATA_ROOT}/busv'
]
DEMO_RECIPES = {
    'as shipped': [],
    'as shipped, fc_cls at the common lr': [
        'optim_wrapper.paramwise_cfg.custom_keys.fc_cls.lr_mult=1.0'
    ],
    'paper recipe': [
        'model.feature_activation=sigmoid', 'optim_wrapper.optimizer.type=SGD',
        'optim_wrapper.optimizer.lr=0.005',
        'optim_wrapper.optimizer.momentum=0.9',
        'optim_wrapper.optimizer.weight_decay=0.0001',
        'optim_wrapper.paramwise_cfg.custom_keys.centers.lr_mult=1.0',
        'optim_wrapper.paramwise_cfg.custom_keys.fc_cls.lr_mult=1.0',
        'param_scheduler.0.start_factor=0.001', 'param_scheduler.0.end=75',
        'param_scheduler.1.milestones=[300,450]'
    ],
}
#: Diagnostic runs: the attention_mean/official run of seed 0 with one
#: change each, to find what keeps the video branch from training at this
#: size: the center loss at a small weight (Wen et al. weigh it
#: 0.003-0.01; eq. 4 weighs it 1 on 2048-d squared distances to centers
#: drawn from N(0, 1)), and no sigmoid on the pooled features.
DIAGNOSTICS = {
    'center loss x0.01': ['model.cls_head.loss_center.loss_weight=0.01'],
    'no sigmoid': ['model.feature_activation=None'],
}
LOSS_KEYS = ('loss_cls', 'loss_frame', 'loss_image', 'loss_center',
             'loss_coherence')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='results/recipe_study.md')
    parser.add_argument('--aggregations', nargs='+',
                        default=['attention_sum', 'attention_mean'])
    parser.add_argument('--variants', nargs='+', default=['paper', 'official'],
                        choices=sorted(VARIANT_OPTIONS))
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1])
    parser.add_argument('--no-diagnostics', dest='diagnostics',
                        action='store_false',
                        help='skip the diagnostic runs (DIAGNOSTICS)')
    parser.add_argument('--demo-seeds', nargs='*', type=int, default=[0],
                        help='seeds of the demo runs (none: skip them)')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='passed to every run (e.g. a shorter schedule)')
    return parser.parse_args(argv)


def make_data(data_root: str, data_args: Sequence[str]) -> List[str]:
    """Write synthetic data unless it exists; the command."""
    command = ['python', 'tools/data/make_synthetic.py', '--out', data_root,
               *data_args]
    if not osp.isdir(data_root):
        run_tool(command)
    return command


def summarise(curves: List[dict], metrics: dict) -> dict:
    """One run's numbers for the report."""
    last = curves[-2:]  # the last 40 iterations
    return dict(
        **{key: float(np.mean([c[key] for c in last]))
           for key in LOSS_KEYS + ('top1_acc', ) if key in last[0]},
        weight_mean=metrics.get('attention/weight_mean', float('nan')),
        weight_std=metrics.get('attention/weight_std', float('nan')),
        pearson_r=metrics.get('attention/pearson_r', float('nan')),
        auc=metrics['diagnosis/auc'],
        acc=metrics['diagnosis/acc@youden'],
        threshold=metrics['diagnosis/threshold@youden'])


def fmt(value: float, digits: int = 3) -> str:
    """A number for the tables; tiny ones (a collapsed attention) in
    scientific notation."""
    if value is None or np.isnan(value):
        return 'n/a'
    if 0 < abs(value) < 10**-digits:
        return f'{value:.1e}'
    return f'{value:.{digits}f}'


def run_rows(records: List[dict], columns: Sequence[str]) -> List[str]:
    """A Markdown table of runs: ``columns`` (fields of each record), the
    losses and training accuracy, then the test numbers."""
    lines = [
        '| ' + ' | '.join([*columns, *LOSS_KEYS]) + ' | train acc | w mean | '
        'w std | r(w, d) | test AUC | ACC@Youden | thr |',
        '|---' * (len(columns) + len(LOSS_KEYS) + 7) + '|'
    ]
    for record in records:
        s = record['summary']
        cells = [str(record[c]) for c in columns] + [
            fmt(s.get(k, float('nan')))
            for k in LOSS_KEYS + ('top1_acc', 'weight_mean', 'weight_std',
                                  'pearson_r', 'auc', 'acc')
        ] + [fmt(s['threshold'], 4)]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return lines


def format_report(runs: List[dict], diagnostics: List[dict],
                  demos: List[dict],
                  commands: Sequence[str], args: argparse.Namespace) -> str:
    """The Markdown report."""
    lines = [
        '# Does the paper recipe train? (CPU size)', '',
        f'Made by `python tools/analysis/recipe_study.py '
        f'--aggregations {" ".join(args.aggregations)} --variants '
        f'{" ".join(args.variants)} --seeds '
        f'{" ".join(map(str, args.seeds))}'
        + (f' --cfg-options {" ".join(args.cfg_options)}'
           if args.cfg_options else '') + '` '
        f'(config `{CONFIG}`).', '',
        'The backbone starts from the ImageNet stand-in of '
        f'`{PRETRAIN_CONFIG}` (commands below).', '',
        '## Per run', '',
        'Losses and training top-1 accuracy (of the video classifier): mean '
        'of the last two logged windows (last 40 iterations). Attention and '
        'AUC: on the test videos (up to 128 frames each), ranked by '
        'log-odds. `r(w, d)`: mean per-video Pearson correlation of frame '
        'weight and own-class center distance (negative = attention follows '
        'the centers). `thr`: the Youden threshold as a probability.', ''
    ]
    lines += run_rows(runs, ['aggregation', 'variant', 'seed'])
    lines += ['', '## Mean over seeds', '',
              '| aggregation | coherence | test AUC | r(w, d) | w mean | '
              'train acc | loss_cls |', '|---' * 7 + '|']
    for agg in args.aggregations:
        for variant in args.variants:
            group = [r['summary'] for r in runs
                     if (r['aggregation'], r['variant']) == (agg, variant)]
            cells = [float(np.mean([g.get(k, np.nan) for g in group]))
                     for k in ('auc', 'pearson_r', 'weight_mean',
                               'top1_acc', 'loss_cls')]
            lines.append(f'| {agg} | {variant} | ' +
                         ' | '.join(fmt(c) for c in cells) + ' |')
    if diagnostics:
        lines += [
            '', '## Diagnostics', '',
            'The `mean`/`official` run of seed 0 with one change each: ' +
            '; '.join(f'{name}: ' + ', '.join(f'`{o}`' for o in options)
                      for name, options in DIAGNOSTICS.items()) + '.', ''
        ]
        lines += run_rows(diagnostics, ['change', 'seed'])
    if demos:
        lines += [
            '', '## The CPU demo on the paper recipe', '',
            f'`{DEMO_CONFIG}` (half-width ResNet-18 from scratch, 8-frame '
            'clips at 96x96, 4 videos + 4 images per batch, 600 iterations, '
            f'`{DEMO_DATA_ROOT}` made with `{" ".join(DEMO_DATA_ARGS)}`, '
            'the data of `make demo` then) as shipped (AdamW, no sigmoid, the '
            'video classifier at 8x the lr), with the video classifier at '
            'the common lr, and on the paper recipe: ' + ', '.join(
                f'`{o}`' for o in DEMO_RECIPES['paper recipe']) + '.', ''
        ]
        lines += run_rows(demos, ['recipe', 'seed'])
    lines += ['', '## Loss curves', '',
              'Total loss, video CE (`loss_cls`) and center loss per logging '
              'window '
              '(mean over the 20 iterations that end at the step shown).',
              '']
    steps = [c['step'] for c in runs[0]['curves']]
    lines += ['| run | ' + ' | '.join(str(s) for s in steps) + ' |',
              '|---' * (len(steps) + 1) + '|']
    for run in runs + diagnostics:
        name = '/'.join(str(run[k]) for k in
                        ('aggregation', 'variant', 'change') if k in run)
        for key in ('loss', 'loss_cls', 'loss_center'):
            lines.append(f'| {name}/seed {run["seed"]} {key} | ' +
                         ' | '.join(fmt(c.get(key, float('nan')), 2)
                                    for c in run['curves']) + ' |')
    lines += ['', 'Commands (from the repository root):', '', '```bash']
    lines += list(commands) + ['```', '']
    return '\n'.join(lines)


def main(argv=None) -> None:
    args = parse_args(argv)
    commands = prepare_study()

    def run(config, seed, name, options, **fields):
        work_dir = osp.join(WORK_ROOT, f'{name}-seed{seed}')
        study_run = Run(config, seed, work_dir, cfg_options=tuple(options))
        run_one(study_run)
        commands.extend(shell_line(c, work_dir)
                        for c in run_commands(study_run))
        curves = train_curves(work_dir)
        record = dict(seed=seed, curves=curves,
                      summary=summarise(curves, test_metrics(work_dir)),
                      **fields)
        print(f'{name}/seed {seed}: {record["summary"]}', flush=True)
        return record

    def study_options(agg, variant):
        return [f'model.cls_head.aggregation={agg}', *VARIANT_OPTIONS[variant],
                *args.cfg_options]

    runs = [
        run(CONFIG, seed, f'{agg}-{variant}', study_options(agg, variant),
            aggregation=agg, variant=variant)
        for agg in args.aggregations for variant in args.variants
        for seed in args.seeds
    ]
    diagnostics = [
        run(CONFIG, 0, 'attention_mean-official-' + name.replace(' ', '-'),
            study_options('attention_mean', 'official') + options,
            change=name)
        for name, options in DIAGNOSTICS.items()
    ] if args.diagnostics else []
    demos = []
    if args.demo_seeds:
        commands.append(' '.join(make_data(DEMO_DATA_ROOT, DEMO_DATA_ARGS)))
        demos = [
            run(DEMO_CONFIG, seed,
                'demo-' + recipe.replace(',', '').replace(' ', '-'),
                DEMO_DATA_OPTIONS + options, recipe=recipe)
            for recipe, options in DEMO_RECIPES.items()
            for seed in args.demo_seeds
        ]
    report = format_report(runs, diagnostics, demos, commands,
                           args)
    write_atomically(args.out, lambda f: f.write(report))
    print(report)


if __name__ == '__main__':
    main()
