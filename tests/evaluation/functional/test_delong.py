"""delong_test against an independent DeLong computation."""
import numpy as np
import pytest
from scipy.stats import norm

from builders import pairwise_auc
from kga_mmaction.evaluation.functional import delong_test


def delong_by_pairs(scores_a, scores_b, labels):
    """DeLong (1988) written from its definition: placement values by
    comparing every (positive, negative) pair, psi = 1, 1/2 or 0, and the
    covariance S10 / m + S01 / n with 1 / (m - 1) and 1 / (n - 1)."""
    labels = np.asarray(labels).astype(bool)
    v10, v01, aucs = [], [], []
    for scores in (np.asarray(scores_a), np.asarray(scores_b)):
        pos, neg = scores[labels], scores[~labels]
        psi = (pos[:, None] > neg[None, :]) + 0.5 * (
            pos[:, None] == neg[None, :])  # [m, n]
        v10.append(psi.mean(axis=1))
        v01.append(psi.mean(axis=0))
        aucs.append(psi.mean())
    m, n = labels.sum(), (~labels).sum()

    def covariance(v, count):
        centred = [x - x.mean() for x in v]
        return np.array([[np.dot(a, b) / (count - 1) for b in centred]
                         for a in centred])

    s = covariance(v10, m) / m + covariance(v01, n) / n
    z = (aucs[0] - aucs[1]) / np.sqrt(s[0, 0] + s[1, 1] - 2 * s[0, 1])
    return aucs[0], aucs[1], 2 * norm.sf(abs(z))


@pytest.mark.parametrize('seed', range(6))
def test_matches_an_independent_implementation_with_ties(seed):
    rng = np.random.default_rng(seed)
    size = int(rng.integers(12, 60))
    labels = rng.integers(0, 2, size)
    labels[:2], labels[2:4] = 1, 0
    # rounded scores: many ties within and across the two models
    scores_a = np.round(rng.normal(labels * 0.8, 1.0), 1)
    scores_b = np.round(0.6 * scores_a + rng.normal(0, 0.8, size), 1)
    got = delong_test(scores_a, scores_b, labels)
    want = delong_by_pairs(scores_a, scores_b, labels)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    assert got[0] == pytest.approx(pairwise_auc(labels, scores_a), abs=1e-12)
    assert 0 < got[2] <= 1


def test_identical_rankings_and_clearly_different_models():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 40)
    good = labels + rng.normal(0, 0.5, 80)
    assert delong_test(good, 2 * good + 1, labels)[2] == 1.0
    auc_good, auc_noise, p = delong_test(good, rng.normal(0, 1, 80), labels)
    assert auc_good > 0.9 > 0.7 > auc_noise and p < 1e-4


def test_refuses_too_few_cases_and_mismatched_lengths():
    with pytest.raises(ValueError, match='at least 2 positive'):
        delong_test([0.1, 0.2, 0.9], [0.3, 0.2, 0.1], [0, 0, 1])
    with pytest.raises(ValueError, match='one length'):
        delong_test([0.1, 0.2, 0.9, 0.8], [0.3, 0.2], [0, 0, 1, 1])
