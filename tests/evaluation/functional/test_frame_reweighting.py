"""normalised_frame_weights, reweighted_logits and reweighted_log_odds:
a video rescored offline from its per-frame video-classifier logits."""
import numpy as np
import pytest
import torch
from mmaction.registry import MODELS

from builders import make_sample
from kga_mmaction.evaluation.functional import (normalised_frame_weights,
                                                positive_log_odds,
                                                reweighted_log_odds,
                                                reweighted_logits)

LOGITS = np.array([[0., 1.], [2., -1.], [1., 3.]])  # [T=3, K=2]


def test_weights_are_normalised_and_zero_weights_are_uniform():
    np.testing.assert_allclose(normalised_frame_weights([0., 2., 6.]),
                               [0., .25, .75])
    np.testing.assert_allclose(normalised_frame_weights(torch.zeros(4)),
                               [.25] * 4)
    with pytest.raises(ValueError, match='finite and >= 0'):
        normalised_frame_weights([1., -1.])
    with pytest.raises(ValueError, match='no frames'):
        normalised_frame_weights([])


def test_reweighted_log_odds_by_hand():
    # a = [0, 0.25, 0.75]: logits [0.5 + 0.75, -0.25 + 2.25] = [1.25, 2]
    np.testing.assert_allclose(reweighted_logits(LOGITS, [0, 1, 3]),
                               [1.25, 2.])
    assert reweighted_log_odds(LOGITS, [0, 1, 3]) == pytest.approx(.75)
    assert reweighted_log_odds(LOGITS, [0, 1, 3], positive_class=0) == \
        pytest.approx(-.75)
    # scale-free; no weight at all is the frame average
    assert reweighted_log_odds(LOGITS, [0, 10, 30]) == pytest.approx(.75)
    assert reweighted_log_odds(LOGITS, [0, 0, 0]) == pytest.approx(
        positive_log_odds(LOGITS.mean(0), 1))


def test_logits_must_match_the_weights():
    with pytest.raises(ValueError, match=r'do not match 2 frame weights'):
        reweighted_logits(LOGITS, [1., 1.])


@pytest.mark.parametrize('num_frames', [1, 4])
def test_uniform_weights_give_the_avg_models_own_logits(num_frames):
    """For aggregation='frame_mean' the video logit is fc_cls of the frame mean,
    which is the uniform reweighting of frame_video_logits."""
    torch.manual_seed(num_frames)
    head = MODELS.build(dict(type='FrameAttentionHead', num_classes=2,
                             in_channels=8, aggregation='frame_mean'))
    head.init_weights()
    with torch.no_grad():
        head.fc_cls.weight.normal_()
        head.fc_cls.bias.normal_()
    feats = torch.randn(2, num_frames + 1, 8)  # [N, T, C]
    valid_mask = torch.ones(2, num_frames + 1)
    valid_mask[1, -1] = 0  # the second video is padded
    samples = head.predict(feats, [make_sample(0), make_sample(1)],
                           valid_mask=valid_mask)
    for sample, mask in zip(samples, valid_mask):
        logits = sample.frame_video_logits  # [T_valid, K]
        assert logits.shape == (int(mask.sum()), 2)
        np.testing.assert_allclose(
            reweighted_logits(logits, np.ones(len(logits))),
            sample.pred_logits.numpy(), atol=1e-5)
        assert reweighted_log_odds(logits, np.zeros(len(logits))) == \
            pytest.approx(positive_log_odds(sample.pred_logits, 1),
                          abs=1e-5)
