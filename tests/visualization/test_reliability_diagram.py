"""plot_reliability: the reliability diagram on the hand-worked bins of
tests/evaluation/functional/test_calibration.py."""
import numpy as np
import pytest
from PIL import Image

from kga_mmaction.visualization import plot_reliability, save_figure

# 4 bins: counts 2, 1, 2, 1; mean probabilities 0.15, 0.3, 0.65, 1.0;
# positive fractions 0.5, 0, 1, 1; Brier (0.01 + 0.64 + 0.09 + 0.16 + 0.09
# + 0) / 6 = 0.165; ECE 1.7 / 6
HAND_PROBS = [0.1, 0.2, 0.3, 0.6, 0.7, 1.0]
HAND_LABELS = [0, 1, 0, 1, 1, 1]


def test_draws_the_bins_with_brier_and_ece_in_the_title(tmp_path):
    fig = plot_reliability(HAND_PROBS, HAND_LABELS, num_bins=4,
                           title='hand')
    diagram, counts = fig.axes
    assert diagram.get_title() == ('hand: Brier = 0.1650, ECE = 0.2833 '
                                   '(4 bins, 6 videos)')
    observed = [line for line in diagram.lines
                if line.get_label().startswith('observed')]
    np.testing.assert_allclose(observed[0].get_xydata(),
                               [[0.15, 0.5], [0.3, 0.0], [0.65, 1.0],
                                [1.0, 1.0]])
    assert [bar.get_height() for bar in counts.patches] == [2, 1, 2, 1]
    assert [text.get_text() for text in counts.texts] == ['2', '1', '2', '1']
    path = save_figure(fig, str(tmp_path / 'reliability.png'))
    with Image.open(path) as img:
        assert img.format == 'PNG' and min(img.size) >= 300


def test_empty_bins_are_not_drawn():
    fig = plot_reliability([0.05, 0.95], [0, 1], num_bins=10)
    diagram, counts = fig.axes
    bars = [bar for bar in diagram.patches if bar.get_height() > 0]
    assert len(diagram.patches) == 2 and len(bars) == 1  # 0.95 -> 1.0
    assert len(counts.patches) == 10  # every bin, empty ones at 0
    assert [text.get_text() for text in counts.texts] == ['1', '1']


def test_rejects_probabilities_outside_0_1():
    with pytest.raises(ValueError, match='probabilities must lie'):
        plot_reliability([0.5, 1.2], [0, 1])
