"""bootstrap_ci: percentile intervals over resamples with both classes."""
import pytest

from kga_mmaction.evaluation.functional import bootstrap_ci


def test_bootstrap_skips_and_counts_single_class_resamples():
    # 1 positive in 3 samples: a resample holds a single class with
    # probability (2/3)^3 + (1/3)^3 = 1/3
    calls = []

    def statistic(scores, labels):
        assert 0 < labels.sum() < len(labels)
        calls.append(1)
        return dict(mean=float(scores.mean()))

    intervals, skipped = bootstrap_ci([0.9, 0.2, 0.4], [1, 0, 0],
                                      statistic, num_resamples=300)
    assert skipped + len(calls) == 300
    assert 60 < skipped < 140
    low, high = intervals['mean']
    assert 0.2 <= low <= high <= 0.9


def test_bootstrap_ci_rejects_bad_input():
    with pytest.raises(ValueError, match='positive and negative'):
        bootstrap_ci([0.5, 0.6], [1, 1], lambda s, y: {}, num_resamples=5)
    with pytest.raises(ValueError, match='num_resamples'):
        bootstrap_ci([0.5, 0.5], [1, 0], lambda s, y: {}, num_resamples=0)
    with pytest.raises(ValueError, match='level'):
        bootstrap_ci([0.5, 0.5], [1, 0], lambda s, y: {}, num_resamples=5,
                     level=95)
