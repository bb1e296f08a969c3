"""ROC curve of a model's predictions on the test videos.

``python tools/analysis/plot_roc.py CONFIG PREDICTIONS --out DIR`` reads the
per-video predictions that ``tools/test.py CONFIG CHECKPOINT
--out-predictions PREDICTIONS`` wrote (``.json`` or ``.csv``; no model is
run) and writes ``DIR/roc.png`` (the ROC curve, its AUC and the Youden
point, the operating point of the paper's Tables 1-2) and
``DIR/roc_scores.csv`` (video, label, malignancy probability). It prints
the AUC and the Youden point that ``BinaryDiagnosisMetric`` computes from
the same predictions, as ``tools/test.py`` does: videos are ranked by their
log-odds where the predictions hold logits.

CONFIG gives the class names. Options: ``--videos N`` (N videos spread over
the predictions), ``--cfg-options``. Until the predictions came from
``tools/test.py``, the tool took ``CONFIG CHECKPOINT`` and ran the model
itself; its ``--split``/``--max-frames`` are now ``tools/test.py
--cfg-options test_dataloader.dataset.split=... /
test_dataloader.dataset.pipeline.0.max_frames=...``.
"""
import argparse
import csv
import os
import os.path as osp
from typing import List, Optional

from kga_mmaction.apis import (POSITIVE_CLASS, add_prediction_arguments,
                               load_predictions_from_args, positive_index)
from kga_mmaction.evaluation import (BinaryDiagnosisMetric,
                                     evaluate_predictions)
from kga_mmaction.visualization import roc_figure, save_figure


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Plot the ROC curve of per-video predictions')
    add_prediction_arguments(parser)
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    classes, predictions = load_predictions_from_args(args)
    positive = positive_index(classes)
    metrics = evaluate_predictions(
        predictions,
        dict(type=BinaryDiagnosisMetric.__name__, positive_class=positive))
    prefix = f'{BinaryDiagnosisMetric.default_prefix}/'

    probabilities = [float(p.pred_score[positive]) for p in predictions]
    # ranked by log-odds where there are logits, as the metric ranks them
    fig = roc_figure(predictions, positive, POSITIVE_CLASS,
                     title=f'{len(predictions)} videos')
    os.makedirs(args.out, exist_ok=True)
    path = save_figure(fig, osp.join(args.out, 'roc.png'))
    with open(osp.join(args.out, 'roc_scores.csv'), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['video_id', 'label', f'{POSITIVE_CLASS}_score'])
        writer.writerows(
            (p.video_id, classes[p.gt_label], f'{s:.6f}')
            for p, s in zip(predictions, probabilities))
    print(f'wrote {path}')
    print(f'AUC = {metrics[prefix + "auc"]:.4f}; Youden threshold = '
          f'{metrics[prefix + "threshold@youden"]:.4f} (sensitivity '
          f'{metrics[prefix + "sensitivity@youden"]:.4f}, specificity '
          f'{metrics[prefix + "specificity@youden"]:.4f}) over '
          f'{len(predictions)} videos')


if __name__ == '__main__':
    main()
