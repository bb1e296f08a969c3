"""positive_log_odds, ranking_scores and positive_probabilities: what
videos are ranked by, and the probability calibration is measured on."""
import numpy as np
import pytest
import torch

from kga_mmaction.evaluation.functional import (positive_log_odds,
                                                positive_probabilities,
                                                ranking_scores)


def test_log_odds_of_several_classes():
    # positive class 1 of 3: log-odds = z1 - logsumexp(z0, z2)
    assert positive_log_odds(torch.tensor([1., 2., 0.]), 1) == \
        pytest.approx(2 - np.log(np.e + 1))
    assert positive_log_odds([0., 40.], 1) == 40.  # its probability is 1.0
    with pytest.raises(ValueError, match='positive_class=2 but the logits '
                       'have 2 classes'):
        positive_log_odds([0., 1.], 2)


def test_ranking_by_log_odds_only_when_every_video_has_them():
    scores, by_log_odds = ranking_scores([1.0, 1.0, 0.5], [30., 20., 0.])
    assert by_log_odds
    np.testing.assert_array_equal(scores, [30., 20., 0.])
    scores, by_log_odds = ranking_scores([1.0, 1.0, 0.5], [30., None, 0.])
    assert not by_log_odds
    np.testing.assert_array_equal(scores, [1.0, 1.0, 0.5])
    assert scores.dtype == np.float64


def test_probabilities_from_log_odds_in_float64_when_every_video_has_them():
    # a margin of 20: the float32 softmax says 1.0, float64 1 - 2.1e-9
    probs = positive_probabilities([1.0, 0.5], [20., 0.])
    assert probs.dtype == np.float64
    assert 1 - probs[0] == pytest.approx(np.exp(-20.), rel=1e-6)
    assert probs[1] == 0.5
    # one video without logits: the given probabilities, all of them
    np.testing.assert_array_equal(
        positive_probabilities([1.0, 0.25], [20., None]), [1.0, 0.25])
