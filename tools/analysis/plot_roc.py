"""ROC curve of a trained KGA-Net on the config's test videos.

``python tools/analysis/plot_roc.py CONFIG CHECKPOINT --out DIR`` runs the
video branch on every test video and writes ``DIR/roc.png`` (the ROC of the
malignancy probability, its AUC and the Youden point, the operating point of
the paper's Tables 1-2) and ``DIR/roc_scores.csv`` (video, label, score).
"""
import argparse
import csv
import os
import os.path as osp
from typing import List, Optional

import numpy as np

from kga_mmaction.apis import (POSITIVE_CLASS, add_model_arguments,
                               add_video_selection_arguments,
                               dataset_classes, load_model_from_args,
                               positive_index, predict_dataset,
                               video_dataset_cfg)
from kga_mmaction.visualization import plot_roc, roc_summary, save_figure


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Plot the ROC curve of the video branch')
    add_model_arguments(parser)
    add_video_selection_arguments(parser)
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    cfg, model = load_model_from_args(args)
    dataset_cfg = video_dataset_cfg(cfg, args.split, args.max_frames)
    classes = dataset_classes(dataset_cfg)
    positive = positive_index(classes)

    rows = []
    for pred in predict_dataset(model, dataset_cfg, args.videos):
        if pred.label < 0:
            raise ValueError(f'video {pred.video_id} has no label; a ROC '
                             'curve needs labelled videos')
        rows.append((pred.video_id, classes[pred.label],
                     float(pred.pred_score[positive])))
    scores = np.array([row[2] for row in rows])
    labels = np.array([row[1] == POSITIVE_CLASS for row in rows], dtype=int)
    fig = plot_roc(scores, labels, POSITIVE_CLASS,
                   title=f'{len(rows)} videos')
    os.makedirs(args.out, exist_ok=True)
    path = save_figure(fig, osp.join(args.out, 'roc.png'))
    with open(osp.join(args.out, 'roc_scores.csv'), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['video_id', 'label', f'{POSITIVE_CLASS}_score'])
        writer.writerows((v, c, f'{s:.6f}') for v, c, s in rows)
    roc = roc_summary(scores, labels)
    print(f'wrote {path}')
    print(f'AUC = {roc["auc"]:.4f}; Youden threshold = '
          f'{roc["threshold"]:.4f} (sensitivity {roc["sensitivity"]:.4f}, '
          f'specificity {roc["specificity"]:.4f}) over {len(rows)} videos')


if __name__ == '__main__':
    main()
