"""kga_mmaction.visualization: the figure functions on synthetic arrays."""
import numpy as np
import pytest
from PIL import Image
from scipy.special import logit
from threadpoolctl import threadpool_limits

from builders import pairwise_auc
from kga_mmaction.visualization import (plot_attention_curve,
                                        plot_attention_strip,
                                        plot_feature_projection, plot_roc,
                                        plot_weight_vs_distance, project_2d,
                                        roc_summary, save_figure,
                                        strip_selection)

PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


def assert_png(path, min_bytes=5000, min_size=(300, 200)):
    """A real PNG file of at least ``min_bytes`` and ``min_size`` pixels."""
    with open(path, 'rb') as f:
        data = f.read()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > min_bytes
    with Image.open(path) as img:
        img.load()
        assert img.width >= min_size[0] and img.height >= min_size[1]
        # something was drawn: not a single flat colour
        assert len(img.convert('L').getcolors(maxcolors=1 << 16) or
                   range(2)) > 1


def frames_like_ultrasound(num, rng, size=(30, 40)):
    return [rng.integers(0, 255, size + (3, ), dtype=np.uint8)
            for _ in range(num)]


def test_strip_shows_and_marks_the_top_frames(tmp_path):
    rng = np.random.default_rng(0)
    weights = np.full(40, 0.2)
    weights[[5, 17, 33]] = [0.7, 0.9, 0.8]  # not on an even grid
    frame_inds = np.arange(40) * 3
    fig = plot_attention_strip(frames_like_ultrasound(40, rng), weights,
                               frame_inds, top_k=3, max_shown=8,
                               title='video x')
    image_axes = fig.axes[:-1]
    assert len(image_axes) == 8
    titles = [ax.get_title() for ax in image_axes]
    assert sum(t.startswith('top') for t in titles) == 3
    assert any(t.startswith('top1 #51\nw=0.900') for t in titles)
    assert any(t.startswith('top2 #99\nw=0.800') for t in titles)
    marked = [ax for ax in image_axes if ax.get_title().startswith('top')]
    for ax in marked:
        spine = ax.spines['top']
        assert spine.get_visible() and spine.get_linewidth() >= 3
    path = save_figure(fig, str(tmp_path / 'sub' / 'strip.png'))
    assert_png(path, min_size=(600, 250))


def test_strip_selection_keeps_top_k_in_time_order():
    weights = np.linspace(0, 1, 50)[::-1].copy()  # top frames 0, 1, 2
    weights[30] = 2.0
    shown = strip_selection(weights, max_shown=6, top_k=3)
    assert len(shown) == 6
    assert {30, 0, 1} <= set(shown.tolist())
    assert list(shown) == sorted(shown)
    np.testing.assert_array_equal(strip_selection(weights[:4], 6, 3),
                                  range(4))


def test_strip_rejects_mismatched_weights():
    with pytest.raises(ValueError, match='one weight per frame'):
        plot_attention_strip([np.zeros((4, 4, 3), np.uint8)], [0.5, 0.5])


def test_weight_vs_distance_reports_pearson(tmp_path):
    rng = np.random.default_rng(0)
    distances = rng.uniform(0, 2, 60)
    weights = 1 - distances / 2 + rng.normal(0, 0.05, 60)
    labels = np.repeat([0, 1], 30)
    fig = plot_weight_vs_distance(
        distances, weights, labels, ('benign', 'malignant'),
        distance_label='distance to predicted-class center')
    ax = fig.axes[0]
    r = np.corrcoef(distances, weights)[0, 1]
    assert r < -0.9
    assert f'Pearson r = {r:.3f}' in ax.get_title()
    assert ax.get_xlabel() == 'distance to predicted-class center'
    assert ax.get_ylabel() == 'attention weight'
    assert_png(save_figure(fig, str(tmp_path / 'scatter.png')))
    flat = plot_weight_vs_distance(distances, np.full(60, 0.5))
    assert 'Pearson r = n/a' in flat.axes[0].get_title()


def test_roc_summary_and_youden_point(tmp_path):
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    scores = np.array([0.1, 0.3, 0.35, 0.7, 0.4, 0.6, 0.8, 0.9])
    roc = roc_summary(scores, labels)
    assert roc['auc'] == pytest.approx(pairwise_auc(labels, scores))
    # thresholding at 0.4 gives sensitivity 1, specificity 0.75 (J = 0.75),
    # the best of all thresholds
    assert roc['threshold'] == pytest.approx(0.4)
    assert roc['sensitivity'] == pytest.approx(1.0)
    assert roc['specificity'] == pytest.approx(0.75)
    fig = plot_roc(scores, labels, 'malignant')
    assert f'AUC = {roc["auc"]:.3f}' in fig.axes[0].get_title()
    youden = [line for line in fig.axes[0].lines
              if line.get_label().startswith('Youden')]
    np.testing.assert_allclose(youden[0].get_xydata(), [[0.25, 1.0]])
    assert_png(save_figure(fig, str(tmp_path / 'roc.png')))
    with pytest.raises(ValueError, match='positive'):
        roc_summary(scores, np.ones(8, int))


def test_roc_of_log_odds_labels_the_threshold_as_a_probability():
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    probabilities = np.array([0.1, 0.3, 0.35, 0.7, 0.4, 0.6, 0.8, 0.9])
    by_probability = plot_roc(probabilities, labels)
    by_log_odds = plot_roc(logit(probabilities), labels, log_odds=True)

    def youden_label(fig):
        return next(line.get_label() for line in fig.axes[0].lines
                    if line.get_label().startswith('Youden'))

    # the same ranking: the same curve, AUC and point, threshold 0.400
    assert youden_label(by_log_odds) == youden_label(by_probability)
    assert 'threshold 0.400' in youden_label(by_log_odds)
    assert by_log_odds.axes[0].get_title() == \
        by_probability.axes[0].get_title()


@pytest.mark.parametrize('method', ['pca', 'tsne'])
def test_feature_projection(tmp_path, method):
    rng = np.random.default_rng(0)
    centers = np.stack([np.zeros(16), np.full(16, 3.)])
    image_labels = np.repeat([0, 1], 10)
    frame_labels = np.repeat([0, 1], 15)
    image_feats = centers[image_labels] + rng.normal(0, .3, (20, 16))
    frame_feats = centers[frame_labels] + rng.normal(0, 1., (30, 16))
    # one thread: t-SNE's OpenMP spin-waits badly on a busy 2-core machine
    with threadpool_limits(limits=1):
        fig = plot_feature_projection(image_feats, image_labels,
                                      frame_feats, frame_labels,
                                      ('benign', 'malignant'),
                                      centers=centers, method=method)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == [
        'benign image', 'benign video frame', 'benign center',
        'malignant image', 'malignant video frame', 'malignant center'
    ]
    markers = {c.get_label(): c for c in fig.axes[0].collections}
    assert len(markers['benign image'].get_offsets()) == 10
    assert len(markers['malignant video frame'].get_offsets()) == 15
    assert_png(save_figure(fig, str(tmp_path / f'features_{method}.png')))


def test_project_2d_checks_input():
    feats = np.random.default_rng(0).normal(size=(12, 5))
    assert project_2d(feats).shape == (12, 2)
    with pytest.raises(ValueError, match='umap'):
        project_2d(feats, 'umap')
    with pytest.raises(ValueError, match='at least 3'):
        project_2d(feats[:2])


def test_attention_curve_marks_top_frames_beside_lesion_area():
    weights = np.array([0.1, 0.5, 0.05, 0.3, 0.05])
    areas = np.array([0, 900, 400, 700, 0])
    fig = plot_attention_curve(weights, [10, 20, 30, 40, 50], areas, top_k=2)
    ax, area_ax = fig.axes
    curve, top = ax.lines[:2]
    assert list(top.get_xdata()) == [20, 40]  # the two highest, highest first
    assert list(top.get_ydata()) == [0.5, 0.3]
    assert list(area_ax.lines[0].get_ydata()) == list(areas)
    assert ax.get_zorder() > area_ax.get_zorder()  # weights drawn in front
    # without lesion areas: one axes only
    assert len(plot_attention_curve(weights).axes) == 1
    with pytest.raises(ValueError, match='5 frames'):
        plot_attention_curve(weights, lesion_areas=areas[:3])
