"""Export the top-k attention frames of every test video as PNG files.

``python tools/analysis/export_keyframes.py CONFIG CHECKPOINT --out DIR
--top-k K`` runs the video branch on the config's test videos and writes::

    DIR/<video_id>/rank01_frame000039_w0.873.png   (rank, 0-based frame
    DIR/<video_id>/rank02_frame000012_w0.861.png    index, attention weight)
    ...
    DIR/keyframes.csv   video_id, label, prediction, <positive>_score, rank,
                        frame_index, weight, file

Frames are saved as decoded (before resizing). Everything is written into a
hidden temporary sibling of ``DIR`` that is renamed to ``DIR`` only at the
end, so an interrupted run leaves no partial ``DIR``. A video whose scores
or attention weights are NaN or infinite stops the export with status 1 and
a message naming it; nothing is written.
"""
import argparse
import csv
import os
import os.path as osp
import sys
from typing import List, Optional

from PIL import Image

from kga_mmaction.apis import (POSITIVE_CLASS, NonFiniteScoreError,
                               add_model_arguments,
                               add_video_selection_arguments,
                               dataset_classes, load_model_from_args,
                               positive_index, predict_dataset,
                               top_k_frames, video_dataset_cfg)
from kga_mmaction.utils import atomic_directory

CSV_NAME = 'keyframes.csv'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write the top-k attention frames of each test video')
    add_model_arguments(parser)
    add_video_selection_arguments(parser)
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


def export(args: argparse.Namespace, tmp: str) -> int:
    """Write every keyframe and the CSV into ``tmp``; return the count."""
    cfg, model = load_model_from_args(args)
    dataset_cfg = video_dataset_cfg(cfg, args.split, args.max_frames)
    classes = dataset_classes(dataset_cfg)
    positive = positive_index(classes)
    count = 0
    with open(osp.join(tmp, CSV_NAME), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow([
            'video_id', 'label', 'prediction', f'{POSITIVE_CLASS}_score',
            'rank', 'frame_index', 'weight', 'file'
        ])
        for pred in predict_dataset(model, dataset_cfg, args.videos,
                                    keep_frames=True):
            video_dir = osp.join(tmp, pred.video_id)
            if osp.exists(video_dir):
                raise ValueError(f'two test videos share the id '
                                 f'{pred.video_id}')
            os.makedirs(video_dir)
            label = classes[pred.label] if pred.label >= 0 else ''
            score = float(pred.pred_score[positive])
            for rank, pos in enumerate(
                    top_k_frames(pred.frame_weights, args.top_k), start=1):
                frame_index = int(pred.frame_inds[pos])
                weight = float(pred.frame_weights[pos])
                name = keyframe_name(rank, frame_index, weight)
                Image.fromarray(pred.frames[pos]).save(
                    osp.join(video_dir, name))
                writer.writerow([
                    pred.video_id, label, classes[pred.pred_label],
                    f'{score:.6f}', rank, frame_index, f'{weight:.6f}',
                    f'{pred.video_id}/{name}'
                ])
                count += 1
    return count


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    out = osp.abspath(args.out)
    try:
        with atomic_directory(out, args.overwrite) as tmp:
            count = export(args, tmp)
    except NonFiniteScoreError as err:
        sys.exit(f'error: {err}')
    print(f'wrote {count} keyframes and {osp.join(out, CSV_NAME)}')


if __name__ == '__main__':
    main()
