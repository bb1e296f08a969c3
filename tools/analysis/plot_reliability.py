"""Reliability diagram of a model's predictions on the test videos.

``python tools/analysis/plot_reliability.py CONFIG PREDICTIONS --out DIR
[--bins N]`` reads the per-video predictions that ``tools/test.py CONFIG
CHECKPOINT --out-predictions PREDICTIONS`` wrote (``.json`` or ``.csv``; no
model is run) and writes ``DIR/reliability.png`` (observed malignant
fraction against mean predicted probability per equal-width bin, the
diagonal, the videos per bin, the Brier score and the ECE) and
``DIR/reliability_bins.csv`` (one row per bin: edges, count, mean predicted
probability, observed malignant fraction; the last two empty for an empty
bin). It prints the Brier score and the ECE that ``BinaryDiagnosisMetric``
(with ``ece_bins=N``) computes from the same predictions: the probability
is computed in float64 from the logits where the predictions hold them.

CONFIG gives the class names. Options: ``--bins N`` (default: the
metric's ``ece_bins``, 10),
``--videos N`` (N videos spread over the predictions), ``--cfg-options``.
"""
import argparse
import csv
import os
import os.path as osp
from typing import List, Optional

import numpy as np

from kga_mmaction.apis import (POSITIVE_CLASS, add_prediction_arguments,
                               load_predictions_from_args, positive_index)
from kga_mmaction.evaluation import (BinaryDiagnosisMetric,
                                     evaluate_predictions)
from kga_mmaction.evaluation.functional import reliability_bins
from kga_mmaction.visualization import (plot_reliability, positive_scores,
                                        save_figure)

#: Columns of ``reliability_bins.csv``.
CSV_COLUMNS = ('bin', 'lower', 'upper', 'count', 'mean_probability',
               f'{POSITIVE_CLASS}_fraction')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Plot the reliability diagram of per-video predictions')
    add_prediction_arguments(parser)
    parser.add_argument('--bins', type=int,
                        help='number of equal-width probability bins '
                        "(default: BinaryDiagnosisMetric's ece_bins)")
    return parser.parse_args(argv)


def _cell(value: float) -> str:
    """A CSV cell: 6 decimals, empty for NaN (an empty bin)."""
    return '' if np.isnan(value) else f'{value:.6f}'


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    classes, predictions = load_predictions_from_args(args)
    positive = positive_index(classes)
    metric = dict(type=BinaryDiagnosisMetric.__name__,
                  positive_class=positive)
    if args.bins is not None:
        metric['ece_bins'] = args.bins
    metrics = evaluate_predictions(predictions, metric)
    prefix = f'{BinaryDiagnosisMetric.default_prefix}/'
    num_bins = metrics[prefix + 'ece_bins']

    # the probabilities as the metric computes them
    probabilities, _, _, labels = positive_scores(predictions, positive)
    fig = plot_reliability(probabilities, labels, num_bins, POSITIVE_CLASS)
    os.makedirs(args.out, exist_ok=True)
    path = save_figure(fig, osp.join(args.out, 'reliability.png'))
    bins = reliability_bins(probabilities, labels, num_bins)
    with open(osp.join(args.out, 'reliability_bins.csv'), 'w',
              newline='') as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(
            (b, f'{bins.lower[b]:.6f}', f'{bins.upper[b]:.6f}',
             int(bins.count[b]), _cell(bins.mean_probability[b]),
             _cell(bins.positive_fraction[b])) for b in range(bins.num_bins))
    print(f'wrote {path}')
    print(f'Brier = {metrics[prefix + "brier"]:.4f}; ECE = '
          f'{metrics[prefix + "ece"]:.4f} ({num_bins} '
          f'equal-width bins) over {len(predictions)} videos')


if __name__ == '__main__':
    main()
