"""Pooling prediction sets and pairing two models' scores by video id."""
import numpy as np
import pytest

from kga_mmaction.evaluation import (VideoPrediction, paired_scores,
                                     pool_predictions, ranked_scores)


def prediction(video_id, label, score, logits=None):
    return VideoPrediction(
        pred_score=np.array([1 - score, score]), pred_label=int(score > .5),
        video_id=video_id, gt_label=label,
        pred_logits=None if logits is None else np.array(logits))


def test_pairs_follow_the_first_sets_order():
    a = [prediction('v1', 1, .9), prediction('v2', 0, .2),
         prediction('v3', 1, .4)]
    b = [prediction('v3', 1, .7), prediction('v1', 1, .6),
         prediction('v2', 0, .1)]
    scores_a, scores_b, labels = paired_scores(a, b)
    np.testing.assert_allclose(scores_a, [.9, .2, .4])
    np.testing.assert_allclose(scores_b, [.6, .1, .7])
    assert labels.tolist() == [1, 0, 1]


def test_log_odds_rank_when_every_video_has_logits():
    predictions = [prediction('v1', 1, 1.0, [0., 40.]),
                   prediction('v2', 0, 1.0, [0., 38.])]
    ids, scores, labels = ranked_scores(predictions)
    assert ids == ['v1', 'v2'] and labels.tolist() == [1, 0]
    np.testing.assert_allclose(scores, [40., 38.])


def test_different_videos_or_labels_are_refused():
    a = [prediction('v1', 1, .9), prediction('v2', 0, .2)]
    with pytest.raises(ValueError, match='only the first has v2; only the '
                       'second has v9'):
        paired_scores(a, [prediction('v1', 1, .9), prediction('v9', 0, .2)])
    with pytest.raises(ValueError, match='labelled differently .*: v2'):
        paired_scores(a, [prediction('v1', 1, .9), prediction('v2', 1, .2)])


def test_pooling_refuses_a_video_twice_or_without_id():
    fold0 = [prediction('v1', 1, .9), prediction('v2', 0, .2)]
    fold1 = [prediction('v3', 0, .3)]
    assert [p.video_id for p in pool_predictions([fold0, fold1])] == [
        'v1', 'v2', 'v3']
    with pytest.raises(ValueError, match='more than once: v2'):
        pool_predictions([fold0, [prediction('v2', 0, .5)]])
    with pytest.raises(ValueError, match='without video_id'):
        pool_predictions([fold0, [prediction(None, 0, .5)]])
