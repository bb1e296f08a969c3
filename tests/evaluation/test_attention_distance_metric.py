"""AttentionDistanceMetric: per-video correlation of frame attention with
the distance to the own-class center, through mmengine's Evaluator."""
import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.evaluator import Evaluator

from kga_mmaction.evaluation.functional import pearson_r


def video(weights, distances, label):
    """A prediction with per-frame weights and [T, 2] center distances."""
    sample = ActionDataSample()
    sample.set_gt_label(label)
    sample.set_pred_score(torch.tensor([0.5, 0.5]))
    sample.frame_weights = torch.tensor(weights)
    sample.center_distances = torch.tensor(distances)
    return sample


def evaluate(samples):
    evaluator = Evaluator([dict(type='AttentionDistanceMetric')])
    evaluator.process(samples)
    return evaluator.evaluate(len(samples))


def test_pearson_r():
    x = np.arange(10.)
    assert pearson_r(x, 3 - 2 * x) == pytest.approx(-1)
    y = np.sin(x)
    assert pearson_r(x, y) == pytest.approx(np.corrcoef(x, y)[0, 1])
    assert np.isnan(pearson_r(x, np.ones(10)))


def test_mean_of_per_video_correlations_with_the_own_class_center():
    w1 = [0.9, 0.6, 0.2]
    # label 1: the distances to center 1 (second column) count; those to
    # center 0 run the other way and must not be used
    d1 = [[5., 1.], [3., 2.], [1., 4.]]  # own: [1, 2, 4] -> r < 0
    w2 = [0.2, 0.4, 0.3, 0.8]
    d2 = [[1., 0.], [2., 0.], [2.5, 0.], [0.5, 0.]]  # label 0
    res = evaluate([video(w1, d1, 1), video(w2, d2, 0)])
    r1 = np.corrcoef(w1, [1., 2., 4.])[0, 1]
    r2 = np.corrcoef(w2, [1., 2., 2.5, 0.5])[0, 1]
    assert r1 < -0.9
    assert res['attention/pearson_r'] == pytest.approx((r1 + r2) / 2)
    assert res['attention/num_videos'] == 2
    weights = np.array(w1 + w2)
    assert res['attention/weight_mean'] == pytest.approx(weights.mean())
    assert res['attention/weight_std'] == pytest.approx(weights.std())


def test_videos_with_constant_weights_are_left_out():
    res = evaluate([
        video([0.5, 0.5, 0.5], [[1., 0.], [2., 0.], [3., 0.]], 0),
        video([0.9, 0.1], [[1., 0.], [2., 0.]], 0),
    ])
    assert res['attention/num_videos'] == 1
    assert res['attention/pearson_r'] == pytest.approx(-1.)
    only_constant = evaluate(
        [video([0.25, 0.25], [[1., 0.], [2., 0.]], 0)])
    assert 'attention/pearson_r' not in only_constant
    assert only_constant['attention/num_videos'] == 0


def test_models_without_frame_weights_report_nothing():
    sample = ActionDataSample().set_gt_label(0)
    sample.set_pred_score(torch.tensor([0.5, 0.5]))
    assert evaluate([sample]) == {}
