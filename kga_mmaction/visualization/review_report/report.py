"""A static case-review report of a test set: plain HTML files that open
from disk (no server, no network), for a reviewer who has never used
mmengine.

:func:`write_review_report` writes, from the per-video predictions of
``tools/test.py --out-predictions``::

    DIR/index.html         summary metrics with bootstrap CIs, the ROC and
                           reliability diagrams, one table row per video
                           (sortable by probability, error and label;
                           filterable to the errors)
    DIR/roc.png, DIR/reliability.png
    DIR/report.css, DIR/report.js   (a few kB, no library)
    DIR/videos/<n>_<video>.html     one page per video: attention and lesion
                                    area over the frames, the top-k frames
    DIR/videos/<n>_<video>_attention.png, ..._top<r>.jpg

The folder is written atomically (:func:`~kga_mmaction.utils.
atomic_directory`): an interrupted run leaves no partial report.
"""
import html
import os
import os.path as osp
import pathlib
import re
import shutil
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np
from PIL import Image

from ...evaluation.binary_diagnosis_metric import BinaryDiagnosisMetric
from ...evaluation.functional import top_k_frames
from ...evaluation.prediction_reader import (evaluate_predictions,
                                             read_prediction_frames)
from ...evaluation.video_prediction import VideoPrediction
from ...utils.atomic import atomic_directory
from ..attention_figures import plot_attention_curve, save_figure
from ..diagnosis_figures import positive_scores, reliability_figure, roc_figure

#: The script and style sheet copied beside ``index.html``.
ASSETS = ('report.css', 'report.js')
#: Folder of the per-video pages and images, inside the report.
VIDEO_DIR = 'videos'
#: Resolution of the figures; small enough for hundreds of videos.
FIGURE_DPI = 80


@dataclass
class ReviewedVideo:
    """One row of the report's table.

    Attributes:
        prediction (VideoPrediction): The video's prediction.
        probability (float): Predicted probability of the positive class.
        truth (str): Its label's class name.
        predicted (str): The class predicted at the report's threshold.
        correct (bool): Whether ``predicted`` is the label.
        error (float): ``|label - probability|``, the label 1 for the
            positive class and 0 otherwise.
        name (str): File name stem of its page and images.
    """
    prediction: VideoPrediction
    probability: float
    truth: str
    predicted: str
    correct: bool
    error: float
    name: str


def reviewed_videos(predictions: Sequence[VideoPrediction],
                    classes: Sequence[str], positive: int,
                    threshold: float) -> List[ReviewedVideo]:
    """The table's rows: each video called positive when its probability
    is ``>= threshold``.

    Raises:
        ValueError: If there are not two classes, or a video has no label.
    """
    if len(classes) != 2:
        raise ValueError(f'the review report is for a binary diagnosis; '
                         f'the dataset has classes {tuple(classes)}')
    unlabelled = [p.source for p in predictions if p.gt_label is None]
    if unlabelled:
        raise ValueError(f'{len(unlabelled)} videos have no label (first: '
                         f'{unlabelled[0]}); the report compares the '
                         'predictions with the labels')
    scores = positive_scores(predictions, positive)
    negative = classes[1 - positive]
    rows = []
    for prediction, probability, label in zip(predictions,
                                              scores.probabilities,
                                              scores.labels):
        called = bool(probability >= threshold)
        stem = re.sub(r'[^A-Za-z0-9_.-]+', '_',
                      str(prediction.video_id or 'video'))
        rows.append(
            ReviewedVideo(
                prediction=prediction,
                probability=float(probability),
                truth=classes[prediction.gt_label],
                predicted=classes[positive] if called else negative,
                correct=called == bool(label),
                error=float(abs(label - probability)),
                name=f'{prediction.index:04d}_{stem}'))
    return rows


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _interval(metrics: Dict[str, float], key: str) -> str:
    """``0.912 (95% CI 0.85-0.97)``, or the value alone without a CI."""
    value = metrics.get(key)
    if value is None:
        return 'n/a'
    low, high = metrics.get(f'{key}_ci_low'), metrics.get(f'{key}_ci_high')
    if low is None or high is None:
        return f'{value:.3f}'
    return f'{value:.3f} <span class="ci">[{low:.3f}, {high:.3f}]</span>'


def _summary(metrics: Dict[str, float], threshold: float, ci_level: float,
             bootstrap: int, positive_name: str) -> str:
    """The summary table of the index page."""
    p = f'{BinaryDiagnosisMetric.default_prefix}/'
    m = {k[len(p):]: v for k, v in metrics.items() if k.startswith(p)}
    rows = [
        ('AUC (area under the ROC curve; 0.5 is chance, 1 is perfect)',
         _interval(m, 'auc')),
        (f'Accuracy at threshold {threshold:g}', _interval(m, 'acc@fixed')),
        (f'Sensitivity at threshold {threshold:g} (share of {positive_name} '
         f'videos called {positive_name})',
         _interval(m, 'sensitivity@fixed')),
        (f'Specificity at threshold {threshold:g} (share of the others '
         f'called not {positive_name})', _interval(m, 'specificity@fixed')),
        ('Youden threshold (the best threshold on these very videos; '
         'optimistic)', f'{m["threshold@youden"]:.3f}'),
        ('Accuracy at the Youden threshold (optimistic)',
         _interval(m, 'acc@youden')),
        ('Brier score (mean squared error of the probability; 0 is '
         'perfect)', f'{m["brier"]:.4f}'),
        (f'ECE (expected calibration error over {int(m["ece_bins"])} bins; '
         '0 is perfect)', f'{m["ece"]:.4f}'),
    ]
    body = ''.join(f'<tr><td>{name}</td><td class="num">{value}</td></tr>'
                   for name, value in rows)
    ci = (f'In brackets: the {ci_level:.0%} percentile-bootstrap confidence '
          f'interval over {bootstrap} resamples of the videos.'
          if bootstrap else 'No confidence intervals (bootstrap off).')
    return (f'<table id="summary"><tbody>{body}</tbody></table>'
            f'<p class="note">{ci} Rates are fractions of 1.</p>')


def _table(rows: Sequence[ReviewedVideo], positive_name: str) -> str:
    """The table of every video."""
    head = (
        '<thead><tr><th class="num">#</th><th>video</th>'
        '<th><button type="button" data-sort="label">label</button></th>'
        '<th>predicted</th>'
        f'<th class="num"><button type="button" data-sort="probability">'
        f'P({_e(positive_name)})</button></th>'
        '<th class="num"><button type="button" data-sort="error">error'
        '</button></th><th>correct</th></tr></thead>')
    body = []
    for row in rows:
        p = row.prediction
        body.append(
            f'<tr class="video{"" if row.correct else " wrong"}" '
            f'id="row-{_e(row.name)}" data-index="{p.index}" '
            f'data-label="{_e(row.truth)}" '
            f'data-probability="{row.probability:.6f}" '
            f'data-error="{row.error:.6f}" '
            f'data-correct="{int(row.correct)}" '
            f'data-video="{_e(p.video_id)}">'
            f'<td class="num">{p.index}</td>'
            f'<td><a href="{VIDEO_DIR}/{_e(row.name)}.html">'
            f'{_e(p.video_id)}</a></td>'
            f'<td>{_e(row.truth)}</td><td>{_e(row.predicted)}</td>'
            f'<td class="num">{row.probability:.3f}</td>'
            f'<td class="num">{row.error:.3f}</td>'
            f'<td>{"yes" if row.correct else "<b>no</b>"}</td></tr>')
    return (f'<table id="videos">{head}<tbody>{"".join(body)}</tbody>'
            '</table>')


def _page(title: str, body: str, prefix: str = '') -> str:
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<title>{_e(title)}</title>'
            f'<link rel="stylesheet" href="{prefix}report.css"></head>'
            f'<body>{body}</body></html>\n')


def _source_link(prediction: VideoPrediction) -> str:
    """The video's folder (or file) as a link where it is a path."""
    source = prediction.frame_dir or prediction.filename
    if not source:
        return f'<code>{_e(prediction.source)}</code>'
    uri = pathlib.Path(osp.abspath(source)).as_uri()
    return f'<a href="{_e(uri)}"><code>{_e(source)}</code></a>'


def _thumbnails(row: ReviewedVideo, folder: str, top_k: int,
                thumb_size: int) -> str:
    """The top-k frames as small JPEG files; their HTML (a note where the
    frames cannot be read)."""
    p = row.prediction
    top = top_k_frames(p.frame_weights, top_k)
    try:
        frames, frame_inds = read_prediction_frames(p, top)
    except (ValueError, FileNotFoundError) as err:
        return f'<p class="note">Frames not shown: {_e(err)}</p>'
    figures = []
    for rank, (position, frame, index) in enumerate(
            zip(top, frames, frame_inds), start=1):
        image = Image.fromarray(np.asarray(frame, dtype=np.uint8))
        image.thumbnail((thumb_size, thumb_size))
        name = f'{row.name}_top{rank}.jpg'
        image.convert('RGB').save(osp.join(folder, name), quality=85)
        figures.append(
            f'<figure class="thumb"><img src="{_e(name)}" '
            f'width="{image.width}" height="{image.height}" '
            f'alt="frame {int(index)}"><figcaption>top {rank}: frame '
            f'{int(index)}<br>weight {p.frame_weights[position]:.3f}'
            '</figcaption></figure>')
    return ''.join(figures)


def _video_page(rows: Sequence[ReviewedVideo], i: int, folder: str,
                positive_name: str, threshold: float, top_k: int,
                thumb_size: int) -> str:
    """Write one video's page and images; return the page's HTML."""
    row = rows[i]
    p = row.prediction
    links = ['<a href="../index.html#row-{}">back to all videos</a>'.format(
        _e(row.name))]
    if i > 0:
        links.append(f'<a href="{_e(rows[i - 1].name)}.html">previous</a>')
    if i + 1 < len(rows):
        links.append(f'<a href="{_e(rows[i + 1].name)}.html">next</a>')
    verdict = 'correct' if row.correct else 'WRONG'
    parts = [
        f'<p>{" · ".join(links)}</p>',
        f'<h1>{_e(p.video_id)}: {verdict}</h1>',
        f'<p>Label <b>{_e(row.truth)}</b>; predicted <b>{_e(row.predicted)}'
        f'</b> with P({_e(positive_name)}) = {row.probability:.3f} '
        f'(called {_e(positive_name)} at &ge; {threshold:g}).</p>',
        f'<p>Video: {_source_link(p)}</p>'
    ]
    if p.frame_weights is None:
        parts.append('<p class="note">The model gives no frame attention '
                     'weights.</p>')
    else:
        fig = plot_attention_curve(
            p.frame_weights, p.frame_inds, p.frame_lesion_areas, top_k)
        curve = f'{row.name}_attention.png'
        save_figure(fig, osp.join(folder, curve), dpi=FIGURE_DPI)
        parts += [
            '<h2>Attention over the frames</h2>',
            f'<p><img src="{_e(curve)}" alt="attention curve"></p>',
            '<p class="note">The attention weights of the sampled frames '
            'sum to 1: they are the share each frame has in the video\'s '
            'prediction. Grey: the annotated lesion area of each frame, in '
            'pixels of the frame (0 where it has no box). A model that '
            'looks at the lesion puts its weight where the grey area is '
            'large.</p>',
            f'<h2>Top-{top_k} frames by attention</h2>',
            _thumbnails(row, folder, top_k, thumb_size)
        ]
    return _page(f'{p.video_id}: {verdict}', ''.join(parts), prefix='../')


def write_review_report(predictions: Sequence[VideoPrediction],
                        classes: Sequence[str],
                        out: str,
                        positive: int = 1,
                        threshold: float = 0.5,
                        bootstrap: int = 1000,
                        ci_level: float = 0.95,
                        top_k: int = 3,
                        thumb_size: int = 112,
                        title: Optional[str] = None,
                        source: Optional[str] = None,
                        overwrite: bool = False) -> str:
    """Write the case-review report of labelled binary predictions.

    Args:
        predictions (Sequence[VideoPrediction]): One per test video, with
            labels (:func:`~kga_mmaction.evaluation.load_predictions`).
        classes (Sequence[str]): The two class names.
        out (str): Folder of the report.
        positive (int): Index of the positive (malignant) class.
            Defaults to 1.
        threshold (float): A video is called positive when its probability
            is ``>= threshold``; the "correct" column and the accuracy,
            sensitivity and specificity use it. Defaults to 0.5 (the
            model's own ``pred_label``).
        bootstrap (int): Bootstrap resamples of the CIs; 0 for none.
            Defaults to 1000.
        ci_level (float): Confidence level of the CIs. Defaults to 0.95.
        top_k (int): Frames shown per video. Defaults to 3.
        thumb_size (int): Longest side of a frame thumbnail in pixels.
            Defaults to 112.
        title (str, optional): Heading of the index page.
        source (str, optional): The prediction file, named on the page.
        overwrite (bool): Whether an existing report may be replaced.
            Defaults to False.

    Returns:
        str: The path of ``index.html``.

    Raises:
        ValueError: If the predictions are not binary and labelled, or
            hold one class only; if ``threshold`` is not in (0, 1].
        FileExistsError: If ``out`` exists and ``overwrite`` is False.
    """
    if not 0 < threshold <= 1:
        raise ValueError(f'threshold must be in (0, 1], got {threshold}')
    rows = reviewed_videos(predictions, classes, positive, threshold)
    positive_name = classes[positive]
    metrics = evaluate_predictions(
        predictions,
        dict(type=BinaryDiagnosisMetric.__name__, positive_class=positive,
             threshold=threshold, bootstrap=bootstrap, ci_level=ci_level))
    num_positive = sum(r.truth == positive_name for r in rows)
    errors = sum(not r.correct for r in rows)
    with atomic_directory(out, overwrite=overwrite) as tmp:
        here = osp.dirname(osp.abspath(__file__))
        for asset in ASSETS:
            shutil.copy(osp.join(here, asset), osp.join(tmp, asset))
        save_figure(roc_figure(predictions, positive, positive_name,
                               title=f'{len(rows)} videos'),
                    osp.join(tmp, 'roc.png'), dpi=FIGURE_DPI)
        save_figure(reliability_figure(predictions, positive,
                                       positive_name=positive_name),
                    osp.join(tmp, 'reliability.png'), dpi=FIGURE_DPI)
        folder = osp.join(tmp, VIDEO_DIR)
        os.makedirs(folder)
        for i, row in enumerate(rows):
            with open(osp.join(folder, f'{row.name}.html'), 'w') as f:
                f.write(_video_page(rows, i, folder, positive_name,
                                    threshold, top_k, thumb_size))
        heading = title or 'Case review'
        body = [
            f'<h1>{_e(heading)}</h1>',
            f'<p>{len(rows)} test videos: {num_positive} {_e(positive_name)}'
            f', {len(rows) - num_positive} {_e(classes[1 - positive])}. '
            f'{errors} misclassified at threshold {threshold:g}.'
            + (f' Predictions: <code>{_e(source)}</code>.' if source else '')
            + '</p>',
            '<p class="note"><b>How to read this page.</b> For each video the '
            f'model gives P({_e(positive_name)}), its probability that the '
            f'video shows a {_e(positive_name)} lesion (0 to 1). A video is '
            f'called {_e(positive_name)} when P &ge; {threshold:g}; '
            '"correct" compares that call with the label. "Error" is how far '
            'the probability is from the label (label 1 for '
            f'{_e(positive_name)}, 0 otherwise): 0 is confident and right, 1 '
            'is confident and wrong. Click a column name to sort, a video to '
            'see where in it the model looked.</p>',
            '<h2>Summary</h2>',
            _summary(metrics, threshold, ci_level, bootstrap, positive_name),
            '<div class="figures"><img src="roc.png" alt="ROC curve">'
            '<img src="reliability.png" alt="reliability diagram"></div>',
            '<p class="note">Left: the ROC curve, sensitivity against '
            '1 - specificity over every threshold, the Youden point marked. '
            'Right: the reliability diagram; a calibrated model\'s bars '
            'reach the diagonal (of the videos given P = 0.8, 80% are '
            f'{_e(positive_name)}).</p>',
            '<h2>Videos</h2>',
            '<p><label><input type="checkbox" id="errors-only"> errors only'
            '</label> &middot; <span id="shown-count">'
            f'{len(rows)}</span> of {len(rows)} shown</p>',
            _table(rows, positive_name),
            '<script src="report.js"></script>',
        ]
        with open(osp.join(tmp, 'index.html'), 'w') as f:
            f.write(_page(heading, ''.join(body)))
    return osp.join(out, 'index.html')
