"""Figures of KGA-Net's analysis (Sun et al., MICCAI 2023, Figs. 1 and 3).

Pure plotting functions: each takes arrays, returns a
:class:`matplotlib.figure.Figure` drawn on an Agg canvas (no pyplot, no
global backend switch, no display needed), and :func:`save_figure` writes
it in the format its suffix names (:data:`FIGURE_FORMATS`);
:func:`figure_to_image` gives it as the RGB array that mmengine's
visualizer sends to its backends.

* :func:`plot_attention_strip` -- sampled frames of one video, each titled
  with its attention weight, the top-k frames framed in red, and the weight
  of every frame over time below (Fig. 3 a-d);
* :func:`plot_attention_curve` -- one video's attention weight over its
  frames, the top-k marked, beside the annotated lesion area;
* :func:`plot_weight_vs_distance` -- attention weight against the frame's
  feature distance to a class center, with the Pearson correlation
  (Fig. 3 e);
* :func:`plot_roc` -- ROC curve with its AUC and the Youden point (the
  operating point of Tables 1-2);
* :func:`plot_feature_projection` -- 2-D PCA / t-SNE of keyframe-image and
  video-frame features and the class centers (Fig. 1).
"""
import os
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from scipy.special import expit

from ..evaluation.functional import pearson_r, roc_analysis, top_k_frames
from ..utils.atomic import write_atomically

#: Colour of each class index (benign, malignant, normal, ...).
CLASS_COLORS = ('tab:blue', 'tab:red', 'tab:green', 'tab:purple')
#: Colour of the frame and marker of the highest-weight frames.
TOP_COLOR = 'red'
#: File suffix -> matplotlib format of the figures :func:`save_figure`
#: writes.
FIGURE_FORMATS = dict(png='png', jpg='jpg', jpeg='jpg', pdf='pdf', svg='svg')


def _new_figure(width: float, height: float) -> Figure:
    """A figure on its own Agg canvas."""
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def _class_color(label: int) -> str:
    return CLASS_COLORS[int(label) % len(CLASS_COLORS)]


def figure_format(path: str) -> str:
    """The format a figure written to ``path`` gets, checked before any
    work is done.

    Args:
        path (str): Output file.

    Returns:
        str: The matplotlib format its suffix names.

    Raises:
        ValueError: If ``path`` is an existing folder or its suffix is not
            one of :data:`FIGURE_FORMATS`.
        FileNotFoundError: If its folder does not exist.
    """
    if osp.isdir(path):
        raise ValueError(f'{path} is a folder; give a file name such as '
                         f'{osp.join(path, "strip.png")}')
    suffix = osp.splitext(path)[1][1:].lower()
    if suffix not in FIGURE_FORMATS:
        raise ValueError(f'{path}: the suffix names the figure format, one '
                         f'of .{", .".join(FIGURE_FORMATS)}')
    folder = osp.dirname(osp.abspath(path))
    if not osp.isdir(folder):
        raise FileNotFoundError(f'{path}: folder {folder} does not exist')
    return FIGURE_FORMATS[suffix]


def save_figure(fig: Figure, path: str, dpi: int = 100) -> str:
    """Write a figure in the format its suffix names, creating the parent
    folder; atomically (no partial file is left under ``path``).

    Args:
        fig (Figure): The figure.
        path (str): Output file: ``.png``, ``.jpg``, ``.pdf``, ``.svg``.
        dpi (int): Resolution. Defaults to 100.

    Returns:
        str: ``path``.

    Raises:
        ValueError: If ``path`` is a folder or has another suffix.
    """
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fmt = figure_format(path)
    write_atomically(
        path,
        lambda f: fig.savefig(f, format=fmt, dpi=dpi, bbox_inches='tight'),
        binary=True)
    return path


def figure_to_image(fig: Figure, dpi: int = 80) -> np.ndarray:
    """A figure as an RGB image, what mmengine's ``Visualizer.add_image``
    sends to its ``vis_backends``.

    Args:
        fig (Figure): A figure of this module (on an Agg canvas).
        dpi (int): Resolution. Defaults to 80.

    Returns:
        np.ndarray: ``H x W x 3`` uint8 RGB.
    """
    fig.set_dpi(dpi)
    canvas = fig.canvas
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def strip_selection(weights: Sequence[float], max_shown: int,
                    top_k: int) -> np.ndarray:
    """Frames a strip shows: the top-k plus evenly spaced others.

    Args:
        weights (Sequence[float]): Weights of all sampled frames, ``[T]``.
        max_shown (int): Most frames in the strip (at least ``top_k``).
        top_k (int): Highest-weight frames that are always shown.

    Returns:
        np.ndarray: Sorted positions into ``weights``, at most
        ``max(max_shown, top_k)`` of them (all ``T`` if fewer).
    """
    num = len(weights)
    top = top_k_frames(weights, top_k)
    budget = max(max_shown, len(top))
    if num <= budget:
        return np.arange(num)
    chosen = set(top.tolist())
    rest = [i for i in range(num) if i not in chosen]
    # evenly spaced over the frames that are not already chosen
    picks = np.linspace(0, len(rest) - 1, budget - len(chosen))
    chosen.update(rest[int(round(p))] for p in picks)
    return np.array(sorted(chosen))


def plot_attention_strip(frames: Sequence[np.ndarray],
                         weights: Sequence[float],
                         frame_indices: Optional[Sequence[int]] = None,
                         top_k: int = 3,
                         max_shown: int = 12,
                         title: Optional[str] = None) -> Figure:
    """Frames of one video titled with their attention weights (Fig. 3a-d).

    The upper row shows up to ``max_shown`` frames (the ``top_k``
    highest-weight frames always among them) in temporal order, each titled
    with its frame index and weight; the top-k frames get a red frame and a
    rank. The lower panel plots the weight of every sampled frame.

    Args:
        frames (Sequence[np.ndarray]): All sampled frames, ``H x W x 3``
            uint8 RGB (or ``H x W`` grey), ``T`` of them.
        weights (Sequence[float]): Attention weight of each frame, ``[T]``.
        frame_indices (Sequence[int], optional): Index of each frame in the
            video, ``[T]``. Defaults to ``0 .. T-1``.
        top_k (int): Highest-weight frames to mark. Defaults to 3.
        max_shown (int): Most frames in the strip. Defaults to 12.
        title (str, optional): Figure title.

    Returns:
        Figure: The figure.
    """
    weights = np.asarray(weights, dtype=np.float64).reshape(-1)
    if len(frames) != len(weights) or not len(weights):
        raise ValueError(f'need one weight per frame, got {len(frames)} '
                         f'frames and {len(weights)} weights')
    frame_indices = (np.arange(len(weights)) if frame_indices is None else
                     np.asarray(frame_indices).reshape(-1))
    if len(frame_indices) != len(weights):
        raise ValueError(f'got {len(frame_indices)} frame indices for '
                         f'{len(weights)} frames')
    top = top_k_frames(weights, top_k)
    rank_of = {int(pos): rank for rank, pos in enumerate(top, start=1)}
    shown = strip_selection(weights, max_shown, top_k)

    cols = len(shown)
    width = max(1.7 * cols, 6.0)
    # image row: one column's width times the frame's aspect, plus titles
    frame_h, frame_w = np.asarray(frames[shown[0]]).shape[:2]
    row_h = min(width / cols * frame_h / frame_w, 4.0) + 0.5
    curve_h = 1.8
    fig = _new_figure(width, row_h + curve_h + 0.5)
    grid = fig.add_gridspec(2, cols, height_ratios=(row_h, curve_h),
                            hspace=0.3)
    for col, pos in enumerate(shown):
        ax = fig.add_subplot(grid[0, col])
        frame = frames[pos]
        ax.imshow(frame, cmap='gray' if frame.ndim == 2 else None)
        ax.set_xticks([])
        ax.set_yticks([])
        rank = rank_of.get(int(pos))
        label = f'#{int(frame_indices[pos])}\nw={weights[pos]:.3f}'
        if rank is None:
            ax.set_title(label, fontsize=8)
            for spine in ax.spines.values():
                spine.set_visible(False)
        else:
            ax.set_title(f'top{rank} {label}', fontsize=8,
                         color=TOP_COLOR, fontweight='bold')
            for spine in ax.spines.values():
                spine.set_edgecolor(TOP_COLOR)
                spine.set_linewidth(4)
    curve = fig.add_subplot(grid[1, :])
    curve.plot(frame_indices, weights, '-', color='0.5', lw=1)
    curve.plot(frame_indices[shown], weights[shown], 'o', color='0.2',
               ms=4, label='shown')
    curve.plot(frame_indices[top], weights[top], 'o', color=TOP_COLOR,
               ms=7, label=f'top-{len(top)}')
    curve.set_xlabel('frame index')
    curve.set_ylabel('attention weight')
    curve.set_ylim(0, 1.02)
    curve.legend(loc='upper right', fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def plot_weight_vs_distance(
        distances: Sequence[float],
        weights: Sequence[float],
        labels: Optional[Sequence[int]] = None,
        class_names: Optional[Sequence[str]] = None,
        distance_label: str = 'feature distance to own-class center',
        title: Optional[str] = None) -> Figure:
    """Attention weight against feature distance, one dot a frame (Fig. 3e).

    KGA-Net's coherence loss (eqs. 2-3) pulls ``1 - w_i`` towards ``d_i``,
    so the two should be negatively correlated. The title gives Pearson's
    r over all frames, and a least-squares line is drawn.

    Args:
        distances (Sequence[float]): Distance of each frame, ``[n]``.
        weights (Sequence[float]): Attention weight of each frame, ``[n]``.
        labels (Sequence[int], optional): Class of each frame's video, for
            the colour. Defaults to one colour.
        class_names (Sequence[str], optional): Names of the classes.
        distance_label (str): X-axis label; say which center the distance
            is to. Defaults to ``'feature distance to own-class center'``.
        title (str, optional): Prefix of the title.

    Returns:
        Figure: The figure; its axes title holds ``Pearson r = ...``.
    """
    distances = np.asarray(distances, dtype=np.float64).reshape(-1)
    weights = np.asarray(weights, dtype=np.float64).reshape(-1)
    r = pearson_r(distances, weights)
    fig = _new_figure(5.5, 4.5)
    ax = fig.add_subplot(1, 1, 1)
    if labels is None:
        ax.scatter(distances, weights, s=12, alpha=0.7, color='0.3')
    else:
        labels = np.asarray(labels).reshape(-1)
        for label in np.unique(labels):
            mask = labels == label
            name = (class_names[label]
                    if class_names is not None else f'class {label}')
            ax.scatter(distances[mask], weights[mask], s=12, alpha=0.7,
                       color=_class_color(label), label=name)
        ax.legend(fontsize=8)
    if np.isfinite(r):
        slope, intercept = np.polyfit(distances, weights, 1)
        xs = np.linspace(distances.min(), distances.max(), 2)
        ax.plot(xs, slope * xs + intercept, '--', color='k', lw=1)
    r_text = f'Pearson r = {r:.3f}' if np.isfinite(r) else 'Pearson r = n/a'
    ax.set_title(f'{title + ": " if title else ""}{r_text} '
                 f'({len(weights)} frames)', fontsize=10)
    ax.set_xlabel(distance_label)
    ax.set_ylabel('attention weight')
    return fig


def roc_summary(scores: Sequence[float],
                labels: Sequence[int]) -> Dict[str, np.ndarray]:
    """ROC curve, AUC and Youden operating point of binary scores.

    All from :func:`~kga_mmaction.evaluation.functional.roc_analysis`, which
    :class:`~kga_mmaction.evaluation.BinaryDiagnosisMetric` reports from.

    Args:
        scores (Sequence[float]): Score of the positive class (probability
            or log-odds), ``[n]``.
        labels (Sequence[int]): 1 for positive, 0 for negative, ``[n]``.

    Returns:
        dict: ``fpr``, ``tpr`` (the curve), ``auc``, and at the Youden
        point ``threshold`` (predict positive when ``score >= threshold``),
        ``sensitivity`` and ``specificity``.

    Raises:
        ValueError: If the labels are not 0/1 or hold one class only.
    """
    roc = roc_analysis(scores, labels)
    return dict(
        fpr=roc.fpr,
        tpr=roc.tpr,
        auc=roc.auc,
        threshold=roc.youden.threshold,
        sensitivity=roc.youden.sensitivity,
        specificity=roc.youden.specificity)


def plot_roc(scores: Sequence[float],
             labels: Sequence[int],
             positive_name: str = 'malignant',
             title: Optional[str] = None,
             log_odds: bool = False) -> Figure:
    """ROC curve with its AUC and the Youden point marked.

    Args:
        scores (Sequence[float]): Probability (or, with ``log_odds``, the
            log-odds) of the positive class per video, ``[n]``.
        labels (Sequence[int]): 1 for positive, 0 for negative, ``[n]``.
        positive_name (str): Name of the positive class (axis labels).
            Defaults to ``'malignant'``.
        title (str, optional): Prefix of the title.
        log_odds (bool): ``scores`` are log-odds (which keep apart videos
            whose probabilities round to 1.0, as the metric ranks them);
            the legend still gives the threshold as a probability.
            Defaults to False.

    Returns:
        Figure: The figure; its axes title holds ``AUC = ...``.

    Raises:
        ValueError: If the labels are not binary or hold one class only.
    """
    roc = roc_summary(scores, labels)
    threshold = expit(roc['threshold']) if log_odds else roc['threshold']
    labels = np.asarray(labels).reshape(-1)
    fig = _new_figure(5.0, 5.0)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(roc['fpr'], roc['tpr'], '-', color='tab:blue', lw=2,
            label=f'AUC = {roc["auc"]:.3f}')
    ax.plot([0, 1], [0, 1], ':', color='0.6', lw=1)
    ax.plot(1 - roc['specificity'], roc['sensitivity'], 'o', color=TOP_COLOR,
            ms=9, label=(f'Youden: threshold {threshold:.3f}\n'
                         f'sensitivity {roc["sensitivity"]:.3f}, '
                         f'specificity {roc["specificity"]:.3f}'))
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_xlabel(f'1 - specificity (false {positive_name} rate)')
    ax.set_ylabel(f'sensitivity (true {positive_name} rate)')
    ax.set_title(f'{title + ": " if title else ""}AUC = {roc["auc"]:.3f} '
                 f'({int(labels.sum())} {positive_name} / '
                 f'{int(len(labels) - labels.sum())} other)', fontsize=10)
    ax.legend(loc='lower right', fontsize=8)
    return fig


def project_2d(features: np.ndarray,
               method: str = 'pca',
               random_state: int = 0) -> np.ndarray:
    """Project features to 2-D with PCA or t-SNE.

    Args:
        features (np.ndarray): ``[n, C]``.
        method (str): ``'pca'`` or ``'tsne'``. Defaults to ``'pca'``.
        random_state (int): Seed of t-SNE. Defaults to 0.

    Returns:
        np.ndarray: ``[n, 2]``.
    """
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or len(features) < 3:
        raise ValueError('need at least 3 feature vectors [n, C] to '
                         f'project, got shape {features.shape}')
    if method == 'pca':
        return PCA(n_components=2).fit_transform(features)
    if method == 'tsne':
        perplexity = min(30.0, (len(features) - 1) / 3)
        return TSNE(n_components=2, perplexity=perplexity, init='pca',
                    random_state=random_state).fit_transform(features)
    raise ValueError(f"unknown projection {method!r}; use 'pca' or 'tsne'")


def plot_feature_projection(image_feats: np.ndarray,
                            image_labels: Sequence[int],
                            frame_feats: np.ndarray,
                            frame_labels: Sequence[int],
                            class_names: Sequence[str],
                            centers: Optional[np.ndarray] = None,
                            method: str = 'pca',
                            title: Optional[str] = None) -> Figure:
    """Keyframe images and video frames in one 2-D feature map (Fig. 1).

    All features (and the centers) are projected together, coloured by
    class; images are circles, video frames crosses, class centers stars.

    Args:
        image_feats (np.ndarray): Keyframe-image features, ``[M, C]``.
        image_labels (Sequence[int]): Their classes, ``[M]``.
        frame_feats (np.ndarray): Video-frame features, ``[F, C]``.
        frame_labels (Sequence[int]): Class of each frame's video, ``[F]``.
        class_names (Sequence[str]): Names of the classes.
        centers (np.ndarray, optional): Class centers, ``[K, C]``.
        method (str): ``'pca'`` or ``'tsne'``. Defaults to ``'pca'``.
        title (str, optional): Title prefix.

    Returns:
        Figure: The figure.
    """
    image_feats = np.asarray(image_feats, dtype=np.float64)
    frame_feats = np.asarray(frame_feats, dtype=np.float64)
    image_labels = np.asarray(image_labels).reshape(-1)
    frame_labels = np.asarray(frame_labels).reshape(-1)
    parts: Dict[str, np.ndarray] = dict(image=image_feats, frame=frame_feats)
    if centers is not None:
        parts['center'] = np.asarray(centers, dtype=np.float64)
    points = project_2d(np.concatenate(list(parts.values())), method)
    bounds = np.cumsum([0] + [len(v) for v in parts.values()])
    xy = {name: points[bounds[i]:bounds[i + 1]]
          for i, name in enumerate(parts)}

    fig = _new_figure(6.0, 5.5)
    ax = fig.add_subplot(1, 1, 1)
    for label, name in enumerate(class_names):
        color = _class_color(label)
        img = xy['image'][image_labels == label]
        frm = xy['frame'][frame_labels == label]
        if len(img):
            ax.scatter(img[:, 0], img[:, 1], s=22, marker='o',
                       facecolors='none', edgecolors=color,
                       label=f'{name} image')
        if len(frm):
            ax.scatter(frm[:, 0], frm[:, 1], s=16, marker='x', color=color,
                       alpha=0.7, label=f'{name} video frame')
        if 'center' in xy and label < len(xy['center']):
            ax.scatter(*xy['center'][label], s=260, marker='*', color=color,
                       edgecolors='k', linewidths=1.2, zorder=5,
                       label=f'{name} center')
    axis_name = 'PC' if method == 'pca' else 't-SNE '
    ax.set_xlabel(f'{axis_name}1')
    ax.set_ylabel(f'{axis_name}2')
    ax.set_title(f'{title + ": " if title else ""}{method.upper()} of '
                 f'{len(image_feats)} images and {len(frame_feats)} '
                 'video frames', fontsize=10)
    ax.legend(fontsize=7, loc='best')
    return fig


def plot_attention_curve(weights: Sequence[float],
                         frame_indices: Optional[Sequence[int]] = None,
                         lesion_areas: Optional[Sequence[float]] = None,
                         top_k: int = 3,
                         title: Optional[str] = None,
                         size: Tuple[float, float] = (7.5, 2.8)) -> Figure:
    """One video's attention weight over its frames, the top-k frames
    marked, and the annotated lesion area on a second axis.

    Where KGA-Net attends to the frames that show the lesion, the two
    curves rise together (what
    :class:`~kga_mmaction.evaluation.KeyframeLocalisationMetric` scores).

    Args:
        weights (Sequence[float]): Attention weight of each sampled frame,
            ``[T]``.
        frame_indices (Sequence[int], optional): Index of each frame in the
            video, ``[T]``. Defaults to ``0 .. T-1``.
        lesion_areas (Sequence[float], optional): Annotated lesion area of
            each frame in pixels, ``[T]`` (0 for a frame without a box).
            Defaults to none drawn.
        top_k (int): Highest-weight frames to mark. Defaults to 3.
        title (str, optional): Axes title.
        size (tuple[float, float]): Figure size in inches.
            Defaults to ``(7.5, 2.8)``.

    Returns:
        Figure: The figure; its first axes hold the weights, a second
        (twin) axes the lesion areas when given.

    Raises:
        ValueError: If the lengths of the arrays differ or are 0.
    """
    weights = np.asarray(weights, dtype=np.float64).reshape(-1)
    frame_indices = (np.arange(len(weights)) if frame_indices is None else
                     np.asarray(frame_indices).reshape(-1))
    if not len(weights) or len(frame_indices) != len(weights):
        raise ValueError(f'need one frame index per weight, got '
                         f'{len(frame_indices)} and {len(weights)}')
    top = top_k_frames(weights, top_k)
    fig = _new_figure(*size)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(frame_indices, weights, '-o', color='tab:blue', lw=1.5, ms=3,
            label='attention weight')
    ax.plot(frame_indices[top], weights[top], 'o', color=TOP_COLOR, ms=7,
            label=f'top-{len(top)} frames')
    ax.set_xlabel('frame index in the video')
    ax.set_ylabel('attention weight', color='tab:blue')
    ax.set_ylim(0, max(1.1 * weights.max(), 1e-3))
    handles, names = ax.get_legend_handles_labels()
    if lesion_areas is not None:
        areas = np.asarray(lesion_areas, dtype=np.float64).reshape(-1)
        if len(areas) != len(weights):
            raise ValueError(f'got {len(areas)} lesion areas for '
                             f'{len(weights)} frames')
        area_ax = ax.twinx()
        area_ax.fill_between(frame_indices, areas, step='mid', color='0.5',
                             alpha=0.25)
        area_ax.plot(frame_indices, areas, '-', drawstyle='steps-mid',
                     color='0.35', lw=1, label='lesion area (pixels)')
        area_ax.set_ylabel('lesion area (pixels)', color='0.35')
        area_ax.set_ylim(0, max(1.05 * areas.max(), 1.0))
        more_handles, more_names = area_ax.get_legend_handles_labels()
        handles, names = handles + more_handles, names + more_names
        # the weights in front of the area
        ax.set_zorder(area_ax.get_zorder() + 1)
        ax.patch.set_visible(False)
    # the legend above the axes, clear of the curves
    ax.legend(handles, names, loc='lower left', bbox_to_anchor=(0, 1.0),
              ncol=len(names), fontsize=7, frameon=False)
    if title:
        ax.set_title(title, fontsize=9, pad=16)
    fig.tight_layout()
    return fig
