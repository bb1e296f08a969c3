"""brier_score, reliability_bins, expected_calibration_error."""
import numpy as np
import pytest
from sklearn.metrics import brier_score_loss

from kga_mmaction.evaluation.functional import (brier_score,
                                                expected_calibration_error,
                                                reliability_bins)

# Hand-worked example, 4 bins [0, .25) [.25, .5) [.5, .75) [.75, 1]:
#   bin | probabilities (label)   | n | conf | acc | |acc - conf|
#    0  | 0.1 (0), 0.2 (1)        | 2 | 0.15 | 0.5 | 0.35
#    1  | 0.3 (0)                 | 1 | 0.3  | 0   | 0.3
#    2  | 0.6 (1), 0.7 (1)        | 2 | 0.65 | 1   | 0.35
#    3  | 1.0 (1)                 | 1 | 1.0  | 1   | 0
# ECE = (2 * 0.35 + 1 * 0.3 + 2 * 0.35 + 0) / 6 = 1.7 / 6
HAND_PROBS = [0.1, 0.2, 0.3, 0.6, 0.7, 1.0]
HAND_LABELS = [0, 1, 0, 1, 1, 1]


def random_set(n, seed):
    rng = np.random.default_rng(seed)
    probs = rng.random(n)
    return probs, (rng.random(n) < probs).astype(int)


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_brier_equals_sklearn(seed):
    probs, labels = random_set(200, seed)
    assert brier_score(probs, labels) == pytest.approx(
        brier_score_loss(labels, probs), abs=1e-12)


def test_brier_extremes():
    assert brier_score([1.0, 0.0], [1, 0]) == 0.0
    assert brier_score([0.0, 1.0], [1, 0]) == 1.0
    assert brier_score([0.5] * 4, [0, 1, 1, 0]) == pytest.approx(0.25)


def test_ece_hand_worked():
    assert expected_calibration_error(
        HAND_PROBS, HAND_LABELS, num_bins=4) == pytest.approx(1.7 / 6)


def test_reliability_bins_hand_worked():
    bins = reliability_bins(HAND_PROBS, HAND_LABELS, num_bins=4)
    np.testing.assert_allclose(bins.lower, [0, 0.25, 0.5, 0.75])
    np.testing.assert_allclose(bins.upper, [0.25, 0.5, 0.75, 1.0])
    assert bins.count.tolist() == [2, 1, 2, 1]
    np.testing.assert_allclose(bins.mean_probability,
                               [0.15, 0.3, 0.65, 1.0])
    np.testing.assert_allclose(bins.positive_fraction, [0.5, 0, 1, 1])
    assert (bins.num_bins, bins.num_samples) == (4, 6)


def test_edges_go_to_the_upper_bin_and_the_last_bin_is_closed():
    bins = reliability_bins([0.0, 0.5, 1.0], [0, 1, 1], num_bins=2)
    assert bins.count.tolist() == [1, 2]  # 0.5 in [0.5, 1], as is 1.0
    np.testing.assert_allclose(bins.mean_probability, [0.0, 0.75])


def test_empty_bins_are_nan_and_left_out_of_the_ece():
    bins = reliability_bins([0.05, 0.95], [0, 1], num_bins=10)
    assert bins.count.tolist() == [1] + [0] * 8 + [1]
    assert np.isnan(bins.mean_probability[1:-1]).all()
    assert np.isnan(bins.positive_fraction[1:-1]).all()
    assert expected_calibration_error([0.05, 0.95], [0, 1], 10) == \
        pytest.approx(0.05)


def test_perfectly_calibrated_construction_has_zero_ece():
    # in each bin, all videos share one probability and that fraction of
    # them is positive: 2 of 10 at 0.2, 2 of 4 at 0.5, 7 of 10 at 0.7
    probs = [0.2] * 10 + [0.5] * 4 + [0.7] * 10
    labels = [1] * 2 + [0] * 8 + [1] * 2 + [0] * 2 + [1] * 7 + [0] * 3
    assert expected_calibration_error(probs, labels) == pytest.approx(
        0.0, abs=1e-12)
    # calibrated, not certain: the Brier score is the mean variance
    assert brier_score(probs, labels) == pytest.approx(
        (10 * 0.2 * 0.8 + 4 * 0.25 + 10 * 0.7 * 0.3) / 24)


def test_overconfident_model_has_the_gap_as_ece():
    # always 0.9, right half the time
    assert expected_calibration_error([0.9] * 6, [1, 0] * 3) == \
        pytest.approx(0.4)


@pytest.mark.parametrize('num_bins', [1, 3, 10, 15])
def test_bins_sum_to_n(num_bins):
    probs, labels = random_set(97, seed=num_bins)
    bins = reliability_bins(probs, labels, num_bins)
    assert bins.num_bins == num_bins
    assert bins.count.sum() == 97
    filled = bins.count > 0
    # every bin's mean lies inside it, and the bins partition the samples
    assert ((bins.lower[filled] <= bins.mean_probability[filled]) &
            (bins.mean_probability[filled] <= bins.upper[filled])).all()
    assert np.nansum(bins.positive_fraction * bins.count) == \
        pytest.approx(labels.sum())


def test_one_bin_ece_is_the_gap_of_the_means():
    probs, labels = random_set(50, seed=4)
    assert expected_calibration_error(probs, labels, 1) == pytest.approx(
        abs(probs.mean() - labels.mean()))


@pytest.mark.parametrize('bad', [1.5, -0.1, float('nan'), float('inf')])
@pytest.mark.parametrize('func', [
    brier_score, expected_calibration_error,
    lambda p, y: reliability_bins(p, y, 10)
])
def test_invalid_probabilities_raise(func, bad):
    with pytest.raises(ValueError, match='probabilities must lie|finite'):
        func([0.2, bad, 0.7], [0, 1, 1])


def test_invalid_arguments_raise():
    with pytest.raises(ValueError, match='num_bins must be >= 1, got 0'):
        reliability_bins([0.5], [1], num_bins=0)
    with pytest.raises(ValueError, match='0/1'):
        brier_score([0.5, 0.5], [1, 2])
    with pytest.raises(ValueError, match='differ in length'):
        expected_calibration_error([0.5, 0.5], [1])
    with pytest.raises(ValueError, match='at least one sample'):
        brier_score([], [])
