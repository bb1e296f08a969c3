"""Frame attention figures of a model's predictions (paper, Fig. 3).

``python tools/analysis/plot_attention.py CONFIG PREDICTIONS --out DIR``
reads the per-video predictions that ``tools/test.py CONFIG CHECKPOINT
--out-predictions PREDICTIONS`` wrote (``.json`` or ``.csv``; no model is
run) and writes:

* ``DIR/attention_strip_<video_id>.png`` for the first ``--strips`` videos:
  the sampled frames (re-read from the video's ``frame_dir`` and
  ``frame_inds`` in the predictions) titled with their attention weights,
  the ``--top-k`` highest framed in red, and the weight of every frame
  (Fig. 3 a-d);
* ``DIR/attention_vs_distance.png``: every frame's attention weight against
  its feature distance to its video's class center (the ground-truth class;
  the predicted one for videos without a label), with Pearson's r
  (Fig. 3 e). Models without class centers get no such figure.

CONFIG gives the class names. Options: ``--videos N`` (N videos spread over
the predictions) or ``--video-ids ID...``, ``--strips``, ``--top-k``,
``--frames-shown``, ``--cfg-options``. Until the predictions came from
``tools/test.py``, the tool took ``CONFIG CHECKPOINT`` and ran the model
itself; its ``--split``/``--max-frames`` are now ``tools/test.py
--cfg-options test_dataloader.dataset.split=... /
test_dataloader.dataset.pipeline.0.max_frames=...``.
"""
import argparse
import os.path as osp
from typing import List, Optional

import numpy as np

from kga_mmaction.apis import (POSITIVE_CLASS, add_prediction_arguments,
                               load_predictions_from_args, positive_index)
from kga_mmaction.evaluation import read_prediction_frames
from kga_mmaction.visualization import (plot_attention_strip,
                                        plot_weight_vs_distance, save_figure)

#: X-axis label of the scatter, by which class center the distances use.
DISTANCE_LABELS = {
    'label': 'L2 feature distance to own-class center (ground-truth label)',
    'pred': 'L2 feature distance to predicted-class center (no labels)',
    'mixed': 'L2 feature distance to own-class center (ground truth; '
    'predicted class where unlabelled)',
}


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Plot frame attention strips and attention vs. '
        'feature distance (KGA-Net, Fig. 3)')
    add_prediction_arguments(parser)
    parser.add_argument('--video-ids', nargs='+',
                        help='these videos only (video_id)')
    parser.add_argument('--strips', type=int, default=4,
                        help='videos that get a frame strip (default: 4)')
    parser.add_argument('--top-k', type=int, default=3,
                        help='highest-weight frames to mark (default: 3)')
    parser.add_argument('--frames-shown', type=int, default=12,
                        help='most frames in a strip (default: 12)')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    classes, predictions = load_predictions_from_args(args)
    positive = positive_index(classes)

    for pred in predictions[:args.strips]:
        if pred.frame_weights is None:
            raise ValueError(f'{pred.source}: no frame weights (the model '
                             'has no frame attention)')
        frames, frame_inds = read_prediction_frames(pred)
        truth = classes[pred.gt_label] if pred.gt_label is not None \
            else 'unknown'
        fig = plot_attention_strip(
            frames, pred.frame_weights, frame_inds,
            top_k=args.top_k, max_shown=args.frames_shown,
            title=(f'{pred.video_id}  label: {truth}  '
                   f'P({POSITIVE_CLASS}) = '
                   f'{pred.pred_score[positive]:.3f}'))
        name = f'attention_strip_{pred.video_id}.png'
        path = save_figure(fig, osp.join(args.out, name))
        print(f'wrote {path}')

    distances, weights, labels, known = [], [], [], []
    for pred in predictions:
        if pred.center_distances is None or pred.frame_weights is None:
            continue
        own, has_label = pred.own_center_distances()
        distances.append(own)
        weights.append(pred.frame_weights)
        labels.append(np.full(len(own), pred.gt_label if has_label else
                              pred.pred_label))
        known.append(has_label)
    if not weights:
        print('no attention vs. distance figure: the model has no class '
              'centers (no loss_center in its head)')
        return
    kind = 'label' if all(known) else 'pred' if not any(known) else 'mixed'
    fig = plot_weight_vs_distance(
        np.concatenate(distances), np.concatenate(weights),
        np.concatenate(labels), classes, distance_label=DISTANCE_LABELS[kind],
        title=f'{len(weights)} videos')
    path = save_figure(fig, osp.join(args.out, 'attention_vs_distance.png'))
    print(f'wrote {path}')
    print(fig.axes[0].get_title())


if __name__ == '__main__':
    main()
