"""Export the top-k attention frames of every test video as PNG files.

``python tools/analysis/export_keyframes.py CONFIG PREDICTIONS --out DIR
--top-k K`` reads the per-video predictions that ``tools/test.py CONFIG
CHECKPOINT --out-predictions PREDICTIONS`` wrote (``.json`` or ``.csv``; no
model is run) and writes::

    DIR/<video_id>/rank01_frame000039_w0.873.png   (rank, 0-based frame
    DIR/<video_id>/rank02_frame000012_w0.861.png    index, attention weight)
    ...
    DIR/keyframes.csv   video_id, label, prediction, <positive>_score, rank,
                        frame_index, weight, file

Frames are re-read from each video's ``frame_dir`` and ``frame_inds`` in
the predictions and saved as decoded (before resizing). Everything is
written into a hidden temporary sibling of ``DIR`` that is renamed to
``DIR`` only at the end, so an interrupted run leaves no partial ``DIR``. A
video whose scores or attention weights in the predictions are NaN or
infinite stops the export with status 1 and a message naming it; nothing is
written.

CONFIG gives the class names. Options: ``--videos N`` (N videos spread over
the predictions), ``--top-k``, ``--overwrite``, ``--cfg-options``. Until
the predictions came from ``tools/test.py``, the tool took ``CONFIG
CHECKPOINT`` and ran the model itself; its ``--split``/``--max-frames`` are
now ``tools/test.py --cfg-options test_dataloader.dataset.split=... /
test_dataloader.dataset.pipeline.0.max_frames=...``.
"""
import argparse
import csv
import os
import os.path as osp
from typing import List, Optional, Sequence

from PIL import Image

from kga_mmaction.apis import (POSITIVE_CLASS, add_prediction_arguments,
                               load_predictions_from_args, positive_index)
from kga_mmaction.evaluation import VideoPrediction, read_prediction_frames
from kga_mmaction.evaluation.functional import top_k_frames
from kga_mmaction.utils import atomic_directory

CSV_NAME = 'keyframes.csv'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write the top-k attention frames of each test video')
    add_prediction_arguments(parser)
    parser.add_argument('--top-k', type=int, default=5,
                        help='frames per video (default: 5)')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace a non-empty output folder')
    args = parser.parse_args(argv)
    if args.top_k < 1:
        parser.error(f'--top-k must be >= 1, got {args.top_k}')
    return args


def keyframe_name(rank: int, frame_index: int, weight: float) -> str:
    """``rank01_frame000039_w0.873.png``."""
    return f'rank{rank:02d}_frame{frame_index:06d}_w{weight:.3f}.png'


def export(predictions: Sequence[VideoPrediction], classes: Sequence[str],
           top_k: int, tmp: str) -> int:
    """Write every keyframe and the CSV into ``tmp``; return the count."""
    positive = positive_index(classes)
    count = 0
    with open(osp.join(tmp, CSV_NAME), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow([
            'video_id', 'label', 'prediction', f'{POSITIVE_CLASS}_score',
            'rank', 'frame_index', 'weight', 'file'
        ])
        for pred in predictions:
            if pred.frame_weights is None:
                raise ValueError(f'{pred.source}: no frame weights (the '
                                 'model has no frame attention)')
            video_dir = osp.join(tmp, pred.video_id)
            if osp.exists(video_dir):
                raise ValueError(f'two test videos share the id '
                                 f'{pred.video_id}')
            os.makedirs(video_dir)
            label = classes[pred.gt_label] if pred.gt_label is not None \
                else ''
            score = float(pred.pred_score[positive])
            top = top_k_frames(pred.frame_weights, top_k)
            frames, frame_inds = read_prediction_frames(pred, top)
            for rank, (pos, frame, frame_index) in enumerate(
                    zip(top, frames, frame_inds), start=1):
                weight = float(pred.frame_weights[pos])
                name = keyframe_name(rank, int(frame_index), weight)
                Image.fromarray(frame).save(osp.join(video_dir, name))
                writer.writerow([
                    pred.video_id, label, classes[pred.pred_label],
                    f'{score:.6f}', rank, int(frame_index), f'{weight:.6f}',
                    f'{pred.video_id}/{name}'
                ])
                count += 1
    return count


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    out = osp.abspath(args.out)
    classes, predictions = load_predictions_from_args(args)
    with atomic_directory(out, args.overwrite) as tmp:
        count = export(predictions, classes, args.top_k, tmp)
    print(f'wrote {count} keyframes and {osp.join(out, CSV_NAME)}')


if __name__ == '__main__':
    main()
