"""Frame attention figures of a trained KGA-Net (paper, Fig. 3).

``python tools/analysis/plot_attention.py CONFIG CHECKPOINT --out DIR``
runs the video branch on the videos of the config's test dataset and
writes:

* ``DIR/attention_strip_<video_id>.png`` for the first ``--strips`` videos:
  sampled frames titled with their attention weights, the ``--top-k``
  highest framed in red, and the weight of every frame (Fig. 3 a-d);
* ``DIR/attention_vs_distance.png``: every frame's attention weight against
  its feature distance to its video's class center (the ground-truth class;
  the predicted one for videos without a label), with Pearson's r
  (Fig. 3 e). Models without class centers get no such figure.
"""
import argparse
import os.path as osp
from typing import List, Optional

import numpy as np

from kga_mmaction.apis import (POSITIVE_CLASS, add_model_arguments,
                               add_video_selection_arguments,
                               dataset_classes, load_model_from_args,
                               positive_index, predict_dataset,
                               video_dataset_cfg)
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
    add_model_arguments(parser)
    add_video_selection_arguments(parser)
    parser.add_argument('--video-ids', nargs='+',
                        help='these videos only (video_id or video_name)')
    parser.add_argument('--strips', type=int, default=4,
                        help='videos that get a frame strip (default: 4)')
    parser.add_argument('--top-k', type=int, default=3,
                        help='highest-weight frames to mark (default: 3)')
    parser.add_argument('--frames-shown', type=int, default=12,
                        help='most frames in a strip (default: 12)')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    cfg, model = load_model_from_args(args)
    dataset_cfg = video_dataset_cfg(cfg, args.split, args.max_frames)
    classes = dataset_classes(dataset_cfg)
    positive = positive_index(classes)

    distances, weights, labels, known = [], [], [], []
    num_videos = 0
    for i, pred in enumerate(
            predict_dataset(model, dataset_cfg, args.videos, args.video_ids,
                            keep_frames=True)):
        if i < args.strips:
            truth = classes[pred.label] if pred.label >= 0 else 'unknown'
            fig = plot_attention_strip(
                pred.frames, pred.frame_weights, pred.frame_inds,
                top_k=args.top_k, max_shown=args.frames_shown,
                title=(f'{pred.video_id}  label: {truth}  '
                       f'P({POSITIVE_CLASS}) = '
                       f'{pred.pred_score[positive]:.3f}'))
            name = f'attention_strip_{pred.video_id}.png'
            path = save_figure(fig, osp.join(args.out, name))
            print(f'wrote {path}')
        pred.frames = None  # free the decoded frames
        num_videos += 1
        if pred.center_distances is None:
            continue
        own, has_label = pred.own_center_distances()
        distances.append(own)
        weights.append(pred.frame_weights)
        labels.append(np.full(len(own), pred.label if has_label else
                              pred.pred_label))
        known.append(has_label)
    if not num_videos:
        raise ValueError('no videos selected')
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
