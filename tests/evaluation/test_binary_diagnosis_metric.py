import numpy as np
import pytest
import torch
from mmaction.registry import METRICS
from mmaction.structures import ActionDataSample
from mmengine.evaluator import Evaluator
from scipy.special import expit
from sklearn.metrics import brier_score_loss

from builders import pairwise_auc
from kga_mmaction.evaluation.functional import expected_calibration_error

# The hand-worked example of tests/evaluation/functional/test_roc_analysis.py
# (4 positives, 3 negatives): the Youden threshold is 0.35, where TP=4 FN=0
# TN=2 FP=1; 10 of the 12 (positive, negative) pairs are ranked right.
HAND_SCORES = [0.35, 0.5, 0.8, 0.9, 0.1, 0.3, 0.6]
HAND_LABELS = [1, 1, 1, 1, 0, 0, 0]


def paper_toy_set():
    """26 malignant / 13 benign scores that reproduce Table 1's KGA-Net row.

    malignant: 18 in [0.72, 0.97] and 5 in [0.61, 0.69] (23 detected at
    t = 0.61), 3 low ones at 0.35, 0.365, 0.375 (missed).
    benign: 12 at 0.20, 0.22, ..., 0.42 (rejected) and one at 0.70.
    Youden: t = 0.61 gives 23/26 + 12/13 - 1 = 0.8077; t above the benign
    0.70 loses the 5 malignant in [0.61, 0.69]: 18/26 + 13/13 - 1 = 0.6923;
    t = 0.375 gives 24/26 + 9/13 - 1 = 0.6154; so t = 0.61.
    AUC: discordant (benign above malignant) pairs = 5 (benign 0.70 over
    [0.61, 0.69]) + (1 + 3) + (1 + 3) + (1 + 4) (each low malignant under
    benign 0.70 and 3, 3, 4 low benign) = 18; (338 - 18) / 338 = 94.67%.
    """
    malignant = (list(np.linspace(0.72, 0.97, 18)) +
                 [0.61, 0.63, 0.65, 0.67, 0.69] + [0.35, 0.365, 0.375])
    benign = [0.20 + 0.02 * i for i in range(12)] + [0.70]
    scores = np.array(malignant + benign)
    labels = np.array([1] * 26 + [0] * 13)
    return scores, labels


def make_pred(score1: float, label: int) -> ActionDataSample:
    sample = ActionDataSample()
    sample.set_pred_score(torch.tensor([1 - score1, score1]))
    sample.set_gt_label(label)
    return sample


def evaluate(scores, labels, **metric_kwargs):
    """Run BinaryDiagnosisMetric through mmengine's Evaluator."""
    evaluator = Evaluator([dict(type='BinaryDiagnosisMetric',
                                **metric_kwargs)])
    samples = [make_pred(float(s), int(y)) for s, y in zip(scores, labels)]
    for start in range(0, len(samples), 4):  # batches of 4
        evaluator.process(samples[start:start + 4])
    results = evaluator.evaluate(len(samples))
    return {k.split('/', 1)[1]: v for k, v in results.items()}


def test_built_from_a_config_with_the_documented_defaults():
    metric = METRICS.build(dict(type='BinaryDiagnosisMetric'))
    assert (metric.positive_class, metric.threshold, metric.bootstrap,
            metric.ece_bins, metric.prefix) == (1, None, 0, 10, 'diagnosis')


@pytest.mark.parametrize('seed', [0, 1, 2, 3])
def test_auc_is_the_pairwise_ranking_on_random_scores(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=50)
    labels[:2] = [0, 1]
    # rounded so that ties occur
    scores = np.round(rng.random(50) * 0.6 + 0.3 * labels, 1)
    # float32 round trip as in pred_score
    assert evaluate(scores, labels)['auc'] == pytest.approx(
        pairwise_auc(labels, np.float32(scores)))


def test_metric_hand_worked_through_evaluator():
    res = evaluate(HAND_SCORES, HAND_LABELS)
    assert res['threshold@youden'] == pytest.approx(0.35)
    assert res['sensitivity@youden'] == pytest.approx(1.0)
    assert res['specificity@youden'] == pytest.approx(2 / 3)
    assert res['acc@youden'] == pytest.approx(6 / 7)
    assert (res['tp@youden'], res['fn@youden'], res['tn@youden'],
            res['fp@youden']) == (4, 0, 2, 1)
    # positive pairs ranked above negative: 0.35 beats 0.1, 0.3 (2);
    # 0.5 beats 2; 0.8, 0.9 beat 3 each -> 10 / 12
    assert res['auc'] == pytest.approx(10 / 12)
    assert (res['num_positive'], res['num_negative']) == (4, 3)
    assert not any(k.endswith('@fixed') for k in res)
    assert 'bootstrap_skipped' not in res


def test_reproduces_table1_kga_net_row():
    scores, labels = paper_toy_set()
    res = evaluate(scores, labels)
    assert res['threshold@youden'] == pytest.approx(0.61)
    assert (res['tp@youden'], res['fn@youden']) == (23, 3)
    assert (res['tn@youden'], res['fp@youden']) == (12, 1)
    # Table 1, KGA-Net: AUC 94.67, ACC 89.74, sens 88.46, spec 92.31 (%)
    assert round(100 * res['sensitivity@youden'], 2) == 88.46  # 23/26
    assert round(100 * res['specificity@youden'], 2) == 92.31  # 12/13
    assert round(100 * res['acc@youden'], 2) == 89.74  # 35/39
    assert res['acc@youden'] == pytest.approx(35 / 39)
    assert round(100 * res['auc'], 2) == 94.67  # 320/338


def test_fixed_threshold_uses_greater_or_equal():
    # t = 0.5: positives 0.5 0.8 0.9 >= t -> TP=3, FN=1 (0.35);
    # negatives: 0.6 >= t -> FP=1, TN=2 (0.1, 0.3)
    res = evaluate(HAND_SCORES, HAND_LABELS, threshold=0.5)
    assert res['threshold@fixed'] == 0.5
    assert (res['tp@fixed'], res['fn@fixed'], res['tn@fixed'],
            res['fp@fixed']) == (3, 1, 2, 1)
    assert res['sensitivity@fixed'] == pytest.approx(3 / 4)
    assert res['specificity@fixed'] == pytest.approx(2 / 3)
    assert res['acc@fixed'] == pytest.approx(5 / 7)
    # the Youden keys are still there and unchanged
    assert res['threshold@youden'] == pytest.approx(0.35)


def test_positive_class_0_flips_roles():
    res1 = evaluate(HAND_SCORES, HAND_LABELS, threshold=0.45)
    # class 0 positive: its score is 1 - s; 1 - s >= 0.55 <=> s <= 0.45,
    # no score equals 0.45, so the two decisions are complements
    res0 = evaluate(HAND_SCORES, HAND_LABELS, threshold=0.55,
                    positive_class=0)
    assert res0['auc'] == pytest.approx(res1['auc'])
    assert (res0['num_positive'], res0['num_negative']) == (3, 4)
    assert res0['tp@fixed'] == res1['tn@fixed'] == 2
    assert res0['fn@fixed'] == res1['fp@fixed'] == 1
    assert res0['tn@fixed'] == res1['tp@fixed'] == 3
    assert res0['fp@fixed'] == res1['fn@fixed'] == 1
    assert res0['sensitivity@fixed'] == pytest.approx(
        res1['specificity@fixed'])
    assert res0['specificity@fixed'] == pytest.approx(
        res1['sensitivity@fixed'])


@pytest.mark.parametrize('label', [0, 1])
def test_single_class_raises_naming_the_class(label):
    with pytest.raises(ValueError, match=rf'class \[{label}\]'):
        evaluate([0.2, 0.4, 0.9], [label] * 3)


def test_invalid_arguments_raise():
    with pytest.raises(ValueError, match='-1'):
        METRICS.build(dict(type='BinaryDiagnosisMetric', positive_class=-1))
    for threshold in (float('nan'), 1.5):
        with pytest.raises(ValueError, match=str(threshold)):
            METRICS.build(dict(type='BinaryDiagnosisMetric',
                               threshold=threshold))
    with pytest.raises(ValueError, match='ece_bins must be >= 1, got 0'):
        METRICS.build(dict(type='BinaryDiagnosisMetric', ece_bins=0))
    with pytest.raises(ValueError,
                       match='positive_class=3 but pred_score has 2'):
        evaluate([0.2], [1], positive_class=3)


def sample_set(n, seed):
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    scores = rng.normal(labels * 1.0, 1.0)
    return 1 / (1 + np.exp(-scores)), labels


def test_bootstrap_ci_contains_point_estimate_and_is_deterministic():
    scores, labels = sample_set(60, seed=0)
    kwargs = dict(threshold=0.5, bootstrap=200, seed=3)
    res = evaluate(scores, labels, **kwargs)
    for key in ('auc', 'acc@youden', 'sensitivity@youden',
                'specificity@youden', 'acc@fixed', 'sensitivity@fixed',
                'specificity@fixed'):
        assert res[f'{key}_ci_low'] <= res[key] <= res[f'{key}_ci_high'], key
        assert res[f'{key}_ci_low'] < res[f'{key}_ci_high'], key
    assert res['bootstrap_skipped'] == 0
    assert evaluate(scores, labels, **kwargs) == res
    other = evaluate(scores, labels, threshold=0.5, bootstrap=200, seed=4)
    assert other['auc_ci_low'] != res['auc_ci_low']


def test_bootstrap_ci_narrower_with_more_samples():
    widths = []
    for n in (40, 400):
        scores, labels = sample_set(n, seed=1)
        res = evaluate(scores, labels, bootstrap=200)
        widths.append(res['auc_ci_high'] - res['auc_ci_low'])
    assert widths[1] < 0.6 * widths[0]


def logit_pred(logits, label: int) -> ActionDataSample:
    """A prediction as FrameAttentionHead makes it: float32 logits and
    their float32 softmax."""
    logits = torch.tensor(logits, dtype=torch.float32)
    sample = ActionDataSample()
    sample.set_pred_score(logits.softmax(-1))
    sample.pred_logits = logits
    sample.set_gt_label(label)
    return sample


def test_ranks_by_log_odds_where_probabilities_saturate():
    # margins of 18..40: every malignant probability is exactly 1.0 in
    # float32; the log-odds still order the videos perfectly
    margins = [18., 22., 26., 30., 34., 40.]
    labels = [0, 0, 1, 1, 0, 1]
    samples = [logit_pred([0., m], y) for m, y in zip(margins, labels)]
    assert all(s.pred_score[1].item() == 1.0 for s in samples)
    evaluator = Evaluator([dict(type='BinaryDiagnosisMetric')])
    evaluator.process(samples)
    res = evaluator.evaluate(len(samples))
    assert res['diagnosis/auc'] == pytest.approx(
        pairwise_auc(labels, margins))  # 7 / 9, not the tied 0.5
    assert res['diagnosis/auc'] == pytest.approx(7 / 9)
    # threshold: the lowest malignant log-odds, 26; its probability in
    # float64 is 1 - 5e-12, no longer a tie with the others
    assert res['diagnosis/log_odds_threshold@youden'] == pytest.approx(26.)
    assert 1 - res['diagnosis/threshold@youden'] == pytest.approx(
        np.exp(-26.), rel=1e-6)
    assert (res['diagnosis/tp@youden'], res['diagnosis/fp@youden']) == (3, 1)


@pytest.mark.parametrize('ece_bins', [10, 4])
def test_brier_and_ece_of_the_probabilities(ece_bins):
    scores, labels = sample_set(60, seed=2)
    res = evaluate(scores, labels, ece_bins=ece_bins)
    # the probabilities the metric reads: float32, as in pred_score
    probs = np.float32(scores).astype(np.float64)
    assert res['brier'] == pytest.approx(brier_score_loss(labels, probs),
                                         abs=1e-12)
    assert res['ece'] == pytest.approx(
        expected_calibration_error(probs, labels, ece_bins), abs=1e-12)
    assert res['ece_bins'] == ece_bins
    # the keys there were before are all still there
    assert {'auc', 'threshold@youden', 'acc@youden', 'num_positive',
            'num_negative'} < set(res)


def test_brier_of_positive_class_0_uses_its_probability():
    res0 = evaluate(HAND_SCORES, HAND_LABELS, positive_class=0)
    res1 = evaluate(HAND_SCORES, HAND_LABELS)
    # (1 - s) - (1 - y) = -(s - y): the same squared errors and gaps
    assert res0['brier'] == pytest.approx(res1['brier'])
    assert res0['brier'] == pytest.approx(
        brier_score_loss(HAND_LABELS, HAND_SCORES))


def test_brier_of_saturated_logits_uses_float64_probabilities():
    # a margin of 20, right every time: the float32 softmax rounds each
    # malignant probability to exactly 1.0 (squared error 0), float64 keeps
    # 1 - expit(20) = 2.1e-9; every video has squared error expit(-20)**2
    samples = [logit_pred([0., 20.], 1), logit_pred([20., 0.], 0)] * 3
    assert all(s.pred_score[1].item() == 1.0 for s in samples[::2])
    evaluator = Evaluator([dict(type='BinaryDiagnosisMetric')])
    evaluator.process(samples)
    res = evaluator.evaluate(len(samples))
    assert res['diagnosis/brier'] == pytest.approx(expit(-20.)**2, rel=1e-6)
    assert res['diagnosis/brier'] < 1e-16  # ~0: confident and right
    assert res['diagnosis/ece'] == pytest.approx(expit(-20.), rel=1e-6)
    # a margin of 40 (probability 1.0 even in float64): 0, not NaN
    samples = [logit_pred([0., 40.], 1), logit_pred([40., 0.], 0)]
    evaluator.process(samples)
    res = evaluator.evaluate(len(samples))
    assert res['diagnosis/brier'] == pytest.approx(0.0, abs=1e-30)
    assert res['diagnosis/ece'] == pytest.approx(0.0, abs=1e-15)


def test_log_odds_and_a_fixed_threshold():
    samples = [logit_pred([0., m], y)
               for m, y in ((-1., 0), (0.5, 0), (1., 1), (3., 1))]
    evaluator = Evaluator([dict(type='BinaryDiagnosisMetric',
                                threshold=0.6)])  # log-odds 0.405
    evaluator.process(samples)
    res = evaluator.evaluate(len(samples))
    assert res['diagnosis/log_odds_threshold@fixed'] == pytest.approx(
        np.log(0.6 / 0.4))
    assert res['diagnosis/threshold@fixed'] == pytest.approx(0.6)
    assert (res['diagnosis/tp@fixed'], res['diagnosis/fp@fixed']) == (2, 1)


def test_one_class_split_fails_when_the_loop_sets_the_metainfo(tmp_path):
    """A test split with one class fails when the metric receives the
    dataset's metainfo (loop build), with the message the end of the run
    would give; both classes pass, and so does metainfo without counts."""
    from kga_mmaction.datasets import VideoListDataset
    for name in ('a', 'b', 'c'):
        (tmp_path / name).mkdir()
        (tmp_path / name / 'img_00001.jpg').write_bytes(b'x')
    one_class = tmp_path / 'malignant.txt'
    one_class.write_text('a malignant\nb malignant\nc 1\n')
    dataset = VideoListDataset(str(one_class), test_mode=True,
                               data_prefix=dict(video=str(tmp_path)))
    assert dataset.metainfo['class_counts'] == (0, 3)
    metric = METRICS.build(dict(type='BinaryDiagnosisMetric'))
    with pytest.raises(ValueError) as at_build:
        metric.dataset_meta = dataset.metainfo
    assert str(at_build.value) == (
        'BinaryDiagnosisMetric needs positive and negative samples, but all '
        '3 targets are class [1] (positive_class=1); AUC, sensitivity and '
        'specificity are undefined')
    at_end = METRICS.build(dict(type='BinaryDiagnosisMetric'))
    samples = []
    for _ in range(3):
        sample = ActionDataSample().set_gt_label(1)
        samples.append(sample.set_pred_score(torch.tensor([0.5, 0.5])))
    at_end.process(None, [s.to_dict() for s in samples])
    with pytest.raises(ValueError) as at_compute:
        at_end.evaluate(3)
    assert str(at_compute.value) == str(at_build.value)

    both = tmp_path / 'both.txt'
    both.write_text('a malignant\nb benign\n')
    metric.dataset_meta = VideoListDataset(
        str(both), test_mode=True,
        data_prefix=dict(video=str(tmp_path))).metainfo
    assert metric.dataset_meta['class_counts'] == (1, 1)
    metric.dataset_meta = dict(classes=('benign', 'malignant'))
