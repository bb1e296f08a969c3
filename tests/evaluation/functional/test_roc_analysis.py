"""roc_analysis: the one computation of AUC, Youden threshold and rates."""
import numpy as np
import pytest

from builders import pairwise_auc
from kga_mmaction.evaluation.functional import (confusion_at,
                                                rates_from_confusion,
                                                roc_analysis)

# Hand-worked example: 4 positives, 3 negatives.
#   positives: 0.35 0.5 0.8 0.9      negatives: 0.1 0.3 0.6
# threshold t | TP FP | sens = TP/4 | spec = 1 - FP/3 | J = sens + spec - 1
#   0.9       |  1  0 |   0.25      |   1             | 0.25
#   0.8       |  2  0 |   0.5       |   1             | 0.5
#   0.6       |  2  1 |   0.5       |   2/3           | 0.1667
#   0.5       |  3  1 |   0.75      |   2/3           | 0.4167
#   0.35      |  4  1 |   1         |   2/3           | 0.6667  <- max
#   0.3       |  4  2 |   1         |   1/3           | 0.3333
#   0.1       |  4  3 |   1         |   0             | 0
# At t = 0.35: TP=4 FN=0 TN=2 FP=1, acc = 6/7.
HAND_SCORES = [0.35, 0.5, 0.8, 0.9, 0.1, 0.3, 0.6]
HAND_LABELS = [1, 1, 1, 1, 0, 0, 0]


def test_youden_threshold_hand_worked():
    roc = roc_analysis(HAND_SCORES, HAND_LABELS)
    assert roc.youden.threshold == pytest.approx(0.35)
    assert roc.youden.counts() == dict(tp=4, fn=0, tn=2, fp=1)
    assert roc.youden.sensitivity == pytest.approx(1.0)
    assert roc.youden.specificity == pytest.approx(2 / 3)
    assert roc.youden.acc == pytest.approx(6 / 7)
    assert list(roc.points) == ['youden']
    # pairs: 0.35 beats 2 negatives, 0.5 beats 2, 0.8 and 0.9 beat 3 each
    assert roc.auc == pytest.approx(10 / 12)


def test_curve_runs_from_nothing_to_everything_positive():
    roc = roc_analysis(HAND_SCORES, HAND_LABELS)
    assert (roc.fpr[0], roc.tpr[0]) == (0, 0)
    assert (roc.fpr[-1], roc.tpr[-1]) == (1, 1)
    assert np.all(np.diff(roc.fpr) >= 0) and np.all(np.diff(roc.tpr) >= 0)
    # the Youden point lies on the curve
    youden = (1 - roc.youden.specificity, roc.youden.sensitivity)
    assert any(np.isclose(f, youden[0]) and np.isclose(t, youden[1])
               for f, t in zip(roc.fpr, roc.tpr))


def test_fixed_threshold_is_a_second_operating_point():
    # t = 0.5: positives 0.5 0.8 0.9 >= t -> TP=3, FN=1; negative 0.6 -> FP=1
    roc = roc_analysis(HAND_SCORES, HAND_LABELS, threshold=0.5)
    assert list(roc.points) == ['youden', 'fixed']
    fixed = roc.points['fixed']
    assert fixed.threshold == 0.5
    assert fixed.counts() == dict(tp=3, fn=1, tn=2, fp=1)
    assert fixed.rates() == pytest.approx(
        dict(acc=5 / 7, sensitivity=3 / 4, specificity=2 / 3))
    assert roc.youden == roc_analysis(HAND_SCORES, HAND_LABELS).youden


@pytest.mark.parametrize('seed', [0, 1, 2, 3])
def test_auc_is_the_pairwise_ranking_with_ties(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=50)
    labels[:2] = [0, 1]
    scores = np.round(rng.random(50) * 0.6 + 0.3 * labels, 1)  # ties
    assert roc_analysis(scores, labels).auc == pytest.approx(
        pairwise_auc(labels, scores))


def test_youden_ties_go_to_the_highest_threshold():
    # positives 0.4 0.7 0.9, negatives 0.1 0.3 0.6:
    # t=0.7: TP=2 FP=0, J = 2/3 ; t=0.4: TP=3 FP=1, J = 1 - 1/3 = 2/3
    scores = [0.4, 0.7, 0.9, 0.1, 0.3, 0.6]
    labels = [1, 1, 1, 0, 0, 0]
    assert roc_analysis(scores, labels).youden.threshold == \
        pytest.approx(0.7)


def test_youden_threshold_is_a_finite_score_without_signal():
    # all scores equal: J = 0 everywhere; sklearn's inf point is left out
    assert roc_analysis([0.5] * 4, [0, 1, 0, 1]).youden.threshold == 0.5


@pytest.mark.parametrize('label', [0, 1])
def test_single_class_is_refused(label):
    kind = 'positive' if label else 'negative'
    with pytest.raises(ValueError, match=f'all 3 samples are {kind}'):
        roc_analysis([0.2, 0.4, 0.9], [label] * 3)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match='0/1'):
        confusion_at([0.1, 0.2], [0, 2], 0.5)
    with pytest.raises(ValueError, match='differ in length: 2 vs 3'):
        roc_analysis([0.1, 0.2], [0, 1, 1])
    with pytest.raises(ValueError, match='finite'):
        roc_analysis([0.1, float('nan')], [0, 1])


def test_rates_of_an_absent_class_are_nan():
    rates = rates_from_confusion(tp=0, fn=0, tn=3, fp=1)
    assert np.isnan(rates['sensitivity'])
    assert rates['specificity'] == pytest.approx(3 / 4)
    assert rates['acc'] == pytest.approx(3 / 4)
