"""2-D map of keyframe-image and video-frame features (paper, Fig. 1).

``python tools/analysis/plot_features.py CONFIG CHECKPOINT --out DIR``
embeds the keyframe images of the config's training image dataset (BUSI)
and the frames of the test videos (BUSV) with the shared backbone, projects
them together with the class centers to 2-D (PCA, or ``--method tsne``) and
writes ``DIR/features_<method>.png``: colour = class, circles = images,
crosses = video frames, stars = class centers.

Images are loaded by their dataset's loading step and then go through the
test pipeline's resize/crop/format steps (not the training augmentation),
so that images and frames are embedded alike. Unlike the other analysis
tools, which read the predictions of ``tools/test.py --out-predictions``,
this one runs the model: the predictions hold no backbone features.
"""
import argparse
import os.path as osp
from typing import List, Optional

import numpy as np

from kga_mmaction.apis import (add_model_arguments,
                               add_video_selection_arguments,
                               dataset_classes, dataset_features,
                               image_dataset_cfg, load_model_from_args,
                               split_test_pipeline, video_dataset_cfg)
from kga_mmaction.visualization import plot_feature_projection, save_figure


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Project image and video-frame features to 2-D')
    add_model_arguments(parser)
    add_video_selection_arguments(parser)
    parser.add_argument('--method', choices=('pca', 'tsne'), default='pca',
                        help='projection (default: pca)')
    parser.add_argument('--images', type=int,
                        help='number of images, spread over the dataset '
                        '(default: all)')
    return parser.parse_args(argv)


def _stack(items):
    """[(feats [T, C], label)] -> features [sum T, C], labels [sum T]."""
    feats = [f for f, _ in items]
    labels = [np.full(len(f), label) for f, label in items]
    return np.concatenate(feats), np.concatenate(labels)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    cfg, model = load_model_from_args(args)
    video_cfg = video_dataset_cfg(cfg, args.split, args.max_frames)
    _, after_decode = split_test_pipeline(video_cfg.pipeline)

    frame_feats, frame_labels = _stack(
        list(dataset_features(model, video_cfg, args.videos)))
    image_feats, image_labels = _stack(
        list(
            dataset_features(model, image_dataset_cfg(cfg), args.images,
                             after_decode)))
    centers = model.cls_head.centers
    fig = plot_feature_projection(
        image_feats, image_labels, frame_feats, frame_labels,
        dataset_classes(video_cfg),
        centers=None if centers is None else centers.detach().cpu().numpy(),
        method=args.method)
    path = save_figure(fig, osp.join(args.out, f'features_{args.method}.png'))
    print(f'wrote {path} ({len(image_feats)} images, {len(frame_feats)} '
          'video frames)')


if __name__ == '__main__':
    main()
