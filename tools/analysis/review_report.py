"""A static case-review report of a model's test predictions.

``python tools/analysis/review_report.py CONFIG PREDICTIONS --out DIR``
reads the per-video predictions that ``tools/test.py CONFIG CHECKPOINT
--out-predictions PREDICTIONS`` wrote (``.json`` or ``.csv``; no model is
run) and writes ``DIR/index.html``: the summary metrics with bootstrap
CIs, the ROC and reliability diagrams, and a table of every video, sortable
by probability, error and label and filterable to the errors; each video
links to a page with its attention and lesion area over the frames and its
top-k frames. Plain files: open ``DIR/index.html`` from disk, no server and
no network needed. See :func:`kga_mmaction.visualization.
write_review_report`.

CONFIG gives the class names. Options: ``--threshold`` (a video is called
malignant at P >= threshold; default 0.5), ``--bootstrap N`` (resamples of
the CIs; 0 for none), ``--top-k``, ``--thumb-size``, ``--title``,
``--videos N``, ``--overwrite``, ``--cfg-options``.
"""
import argparse
from typing import List, Optional

from kga_mmaction.apis import (add_prediction_arguments,
                               load_predictions_from_args, positive_index,
                               positive_int)
from kga_mmaction.visualization import write_review_report


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write a static HTML case-review report of per-video '
        'predictions')
    add_prediction_arguments(parser)
    parser.add_argument('--threshold', type=float, default=0.5,
                        help='a video is called malignant when its '
                        'probability is >= this (default: 0.5)')
    parser.add_argument('--bootstrap', type=int, default=1000,
                        help='bootstrap resamples of the confidence '
                        'intervals; 0 for none (default: 1000)')
    parser.add_argument('--top-k', type=positive_int, default=3,
                        help='frames shown per video (default: 3)')
    parser.add_argument('--thumb-size', type=positive_int, default=112,
                        help='longest side of a frame thumbnail in pixels '
                        '(default: 112)')
    parser.add_argument('--title', help='heading of the page')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace an existing report in --out')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    classes, predictions = load_predictions_from_args(args)
    path = write_review_report(
        predictions, classes, args.out, positive=positive_index(classes),
        threshold=args.threshold, bootstrap=args.bootstrap, top_k=args.top_k,
        thumb_size=args.thumb_size, title=args.title,
        source=args.predictions, overwrite=args.overwrite)
    print(f'wrote {path}')


if __name__ == '__main__':
    main()
