"""When does KGA-Net's attention pay off? The paper's premise, swept.

The premise: only a few frames of a sweep show the diagnostic
cross-section, and a model that finds them beats one that averages every
frame. ``tools/data/make_synthetic.py --preset busv-like
--keyframe-fraction F`` sets the share ``F`` of each video's frames that
show it; for each ``F`` this tool runs, by 3-fold cross-validation
(:func:`kga_mmaction.tables.make_table`, as ``tools/analysis/run_table.py``
does), KGA-Net, KGA-Net without the coherence loss, frame averaging, and
the lesion-area oracle on frame averaging's features (no training: it
bounds what any frame selection can gain), and writes one table per ``F``
to ``results/premise_sweep.md``::

    python tools/analysis/premise_sweep.py            # make premise-sweep

Finished runs are skipped, so the sweep resumes where it stopped.
"""
import argparse
import os.path as osp
import subprocess
import sys
from typing import List, Sequence

import numpy as np
from mmengine.config import Config
from sklearn.metrics import roc_auc_score

from kga_mmaction.evaluation import VideoPrediction, load_predictions
from kga_mmaction.evaluation.functional import reweighted_log_odds
from kga_mmaction.tables import TableSettings, make_table, plan_runs
from kga_mmaction.utils import shipped_path, tool_command, write_atomically

DEMO = 'configs/demo'
#: The ImageNet stand-in every row starts from: the demo's backbone trained
#: as an mmpretrain ImageClassifier on the synthetic BUSI images, as `make
#: demo`'s config starts from it (that config owns the checkpoint's path).
PRETRAIN_CONFIG = ('configs/pretrain/'
                   'resnet18-half_1xb32-400it_synthetic-busi-96px.py')
PRETRAINED_DEMO = (f'{DEMO}/kga-net_r18-half-synbusi-pre_1xb8-1x1x8-600it_'
                   'synthetic.py')
PRETRAINED_INIT = Config.fromfile(
    shipped_path(PRETRAINED_DEMO)).model.backbone.init_cfg
PRETRAIN_CHECKPOINT = PRETRAINED_INIT.checkpoint
PRETRAIN_WORK_DIR = osp.dirname(PRETRAIN_CHECKPOINT)
PRETRAINED = [
    f'model.backbone.init_cfg.{key}={value}'
    for key, value in PRETRAINED_INIT.items()
]
#: The rows: config and name.
ROWS = (
    (f'{DEMO}/kga-net_r18-half_1xb8-1x1x8-600it_synthetic.py', 'KGA-Net'),
    (f'{DEMO}/kga-net-wo-coherence_r18-half_1xb8-1x1x8-600it_synthetic.py',
     'w/o coherence loss'),
    (f'{DEMO}/kga-net-wo-coherence-attention_r18-half_1xb8-1x1x8-600it_'
     'synthetic.py', 'frame averaging'),
)
REFERENCE = 'frame averaging'
FRACTIONS = (0.1, 0.25, 0.5, 1.0)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--fractions', nargs='+', type=float,
                        default=list(FRACTIONS))
    parser.add_argument('--folds', type=int, default=3)
    parser.add_argument('--seeds', nargs='+', type=int, default=[0])
    parser.add_argument('--jobs', type=int, default=2)
    parser.add_argument('--data-root', default='data/premise')
    parser.add_argument('--work-root', default='work_dirs/premise')
    parser.add_argument('--out', default='results/premise_sweep.md')
    return parser.parse_args(argv)


def data_command(data_root: str, fraction: float) -> List[str]:
    """The command that writes the sweep's data at ``fraction``."""
    return ['python', 'tools/data/make_synthetic.py', '--preset',
            'busv-like', '--keyframe-fraction', str(fraction), '--out',
            data_root]


def data_options(data_root: str) -> List[str]:
    """cfg-options that point the demo configs at ``data_root``."""
    busv, busi = f'{data_root}/busv', f'{data_root}/Dataset_BUSI_with_GT'
    return [
        f'train_dataloader.dataset.video.data_root={busv}',
        f'train_dataloader.dataset.image.data_root={busi}',
        f'val_dataloader.dataset.data_root={busv}',
        f'test_dataloader.dataset.data_root={busv}'
    ]


#: Other readings of each row's test predictions: a video score from the
#: per-frame outputs, and the frame weights that score uses.
READINGS = (
    ('video head (reported)', None),
    ('video classifier, every frame alike', 'uniform'),
    ('video classifier, attention-normalised', 'attention'),
    ('video classifier, lesion-area oracle', 'lesion'),
    ('frame classifier, mean log-odds', 'frame mean'),
    ('frame classifier, attention-weighted log-odds', 'frame attention'),
)


def reading(pred: VideoPrediction, how: str) -> float:
    """The log-odds of malignancy of one video under a reading."""
    if how is None:
        return float(pred.pred_logits[1] - pred.pred_logits[0])
    if how.startswith('frame'):
        p = np.clip(np.asarray(pred.frame_scores, np.float64)[:, 1], 1e-12,
                    1 - 1e-12)
        frame_log_odds = np.log(p) - np.log1p(-p)  # [T]
        w = (np.ones_like(p) if how == 'frame mean' else np.asarray(
            pred.frame_weights, np.float64))
        return float((w * frame_log_odds).sum() / max(w.sum(), 1e-12))
    weights = dict(uniform=np.ones(len(pred.frame_weights)),
                   attention=pred.frame_weights,
                   lesion=pred.frame_lesion_areas)[how]
    return reweighted_log_odds(pred.frame_video_logits, weights)


def readings_table(settings: TableSettings, work_root: str) -> List[str]:
    """Pooled out-of-fold AUC of every reading of every trained row."""
    runs = plan_runs(settings, work_root)
    lines = ['| reading | ' + ' | '.join(settings.names) + ' |',
             '|---' * (len(settings.names) + 1) + '|']
    pooled = {
        config: [p for run in runs if run.config == config for p in
                 load_predictions(osp.join(run.work_dir, 'predictions.csv'))]
        for config in settings.configs
    }
    for title, how in READINGS:
        cells = []
        for config in settings.configs:
            preds = pooled[config]
            labels = [p.gt_label for p in preds]
            scores = [reading(p, how) for p in preds]
            cells.append(f'{100 * roc_auc_score(labels, scores):.2f}')
        lines.append(f'| {title} | ' + ' | '.join(cells) + ' |')
    return lines


def fraction_table(fraction: float, args: argparse.Namespace) -> str:
    """The table at one keyframe fraction (data made when missing)."""
    data_root = osp.join(args.data_root, f'kf{fraction}')
    command = data_command(data_root, fraction)
    if not osp.isdir(data_root):
        subprocess.run(tool_command(command), check=True,
                       stdout=subprocess.DEVNULL)
    configs, names = zip(*ROWS)
    settings = TableSettings(
        configs=configs, names=names, reference=REFERENCE,
        seeds=tuple(args.seeds), num_folds=args.folds, fold_seed=0,
        bootstrap=2000, bootstrap_seed=0,
        cfg_options=tuple(data_options(data_root) + PRETRAINED),
        title=f'Keyframe fraction {fraction}', oracle_of=REFERENCE)
    work_root = osp.join(args.work_root, f'kf{fraction}')
    table = make_table(settings, work_root, args.jobs)
    # one level down: a section of the sweep's page
    return '\n'.join(['#' + line if line.startswith('#') else line
                      for line in table.splitlines()] + [
        '', f'Data: `{" ".join(command)}`', '',
        '### Readings of the same test predictions', '',
        'Pooled out-of-fold AUC (%) of other video scores computed from '
        'each row\'s per-frame outputs: its video classifier applied to '
        'every frame and averaged with uniform, attention (normalised) or '
        'lesion-area weights (exact, fc_cls being linear), and the mean of '
        'its frame classifier\'s log-odds, plain or attention-weighted.', '',
        *readings_table(settings, work_root), ''])


def format_report(sections: Sequence[str], argv: Sequence[str]) -> str:
    """The page: what was run, then one table per fraction."""
    return '\n'.join([
        '# The premise sweep: when does frame attention pay off?', '',
        'Made by `python tools/analysis/premise_sweep.py' +
        ''.join(f' {a}' for a in argv) + '`. Each table: 3-fold CV of the '
        'videos of `--preset busv-like --keyframe-fraction F` (the share of '
        'each sweep\'s frames that show the diagnostic cross-section); the '
        'CPU demo configs, every row\'s backbone started from the '
        'ImageNet stand-in (`python tools/train.py '
        f'{PRETRAIN_CONFIG} --work-dir {PRETRAIN_WORK_DIR}`, on the '
        'BUSI images of `make_synthetic.py --preset busv-like --out '
        'data/busv-like`); '
        'DeLong p against frame averaging; the oracle row rescores frame '
        'averaging\'s test predictions with the annotated lesion areas as '
        'frame weights, an upper bound for frame selection on those '
        'features.', '', *sections
    ])


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if not osp.isfile(PRETRAIN_CHECKPOINT):
        subprocess.run(tool_command(['python', 'tools/train.py',
                                     PRETRAIN_CONFIG, '--work-dir',
                                     PRETRAIN_WORK_DIR]),
                       check=True, stdout=subprocess.DEVNULL)
    sections = [fraction_table(f, args) for f in args.fractions]
    report = format_report(sections, argv)
    write_atomically(args.out, lambda f: f.write(report))
    print(report)


if __name__ == '__main__':
    main()
