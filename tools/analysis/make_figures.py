"""Regenerate every figure and number the docs show from one model
(``make figures``: the ``make demo`` checkpoint).

``python tools/analysis/make_figures.py CONFIG CKPT --out docs/figures``

Tests the model once with ``tools/test.py --out-predictions`` and draws,
from that file (and the checkpoint, for the features): a frame strip with
the attention weights (``attention_strip.png``), attention against the
distance to the class center, the ROC with the Youden point, the
reliability diagram, and the PCA of image and frame features. The test
metrics go to ``metrics.json`` with the commit, config and checkpoint; the
docs quote their numbers from it (``tools/check_docs.py`` checks the
quotes). The folder is replaced as a whole when everything is drawn.
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys

from mmengine.config import Config

from kga_mmaction.evaluation import evaluate_predictions, load_predictions
from kga_mmaction.utils import atomic_directory, git_commit

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', default='docs/figures')
    parser.add_argument('--work-dir', default='work_dirs/figures',
                        help='where the test run and its predictions go')
    return parser.parse_args(argv)


def run(*argv: str) -> None:
    """``python ARGV`` from the repository root; fails loudly."""
    subprocess.run([sys.executable, *argv], cwd=ROOT, check=True)


def main(argv=None) -> None:
    args = parse_args(argv)
    predictions = osp.join(args.work_dir, 'predictions.json')
    run('tools/test.py', args.config, args.checkpoint, '--work-dir',
        args.work_dir, '--out-predictions', predictions)
    metrics = evaluate_predictions(
        load_predictions(osp.join(ROOT, predictions)),
        Config.fromfile(osp.join(ROOT, args.config)).test_evaluator)
    with atomic_directory(osp.join(ROOT, args.out), overwrite=True) as tmp:
        run('tools/analysis/plot_attention.py', args.config, predictions,
            '--out', tmp, '--strips', '1', '--top-k', '3', '--frames-shown',
            '10')
        strip, = glob.glob(osp.join(tmp, 'attention_strip_*.png'))
        os.replace(strip, osp.join(tmp, 'attention_strip.png'))
        for tool in ('plot_roc', 'plot_reliability'):
            run(f'tools/analysis/{tool}.py', args.config, predictions,
                '--out', tmp)
        run('tools/analysis/plot_features.py', args.config, args.checkpoint,
            '--out', tmp)
        with open(osp.join(tmp, 'metrics.json'), 'w') as f:
            json.dump(dict(commit=git_commit(ROOT), config=args.config,
                           checkpoint=osp.relpath(args.checkpoint, ROOT),
                           video_of_strip=osp.basename(strip)[
                               len('attention_strip_'):-len('.png')],
                           **metrics), f, indent=1)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
