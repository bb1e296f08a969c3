"""VideoPrediction: finiteness, own-class distances, as a metric sample."""
import numpy as np
import pytest
import torch

from kga_mmaction.evaluation import NonFiniteScoreError, VideoPrediction


def prediction(**kwargs):
    fields = dict(pred_score=np.array([0.25, 0.75]), pred_label=1,
                  frame_weights=np.array([0.5, 0.2]),
                  center_distances=np.array([[1., 2.], [3., 4.]]),
                  frame_video_logits=np.array([[0., 1.], [2., -3.]]),
                  frame_dir='/d/case')
    fields.update(kwargs)
    return VideoPrediction(**fields)


def test_own_center_distances_use_the_label_else_the_prediction():
    own, known = prediction(gt_label=0).own_center_distances()
    assert known
    np.testing.assert_array_equal(own, [1., 3.])
    own, known = prediction().own_center_distances()
    assert not known  # unlabelled: the predicted class's center
    np.testing.assert_array_equal(own, [2., 4.])
    with pytest.raises(ValueError, match='/d/case: no center distances'):
        prediction(center_distances=None).own_center_distances()


@pytest.mark.parametrize('field', ['pred_score', 'frame_weights',
                                   'center_distances', 'frame_video_logits'])
def test_non_finite_outputs_are_named(field):
    values = getattr(prediction(), field).copy()
    values.flat[1] = np.inf
    name = 'scores' if field == 'pred_score' else field
    with pytest.raises(NonFiniteScoreError,
                       match=f'^/d/case: the model gave non-finite {name}'):
        prediction(**{field: values}).check_finite()
    prediction().check_finite()


def test_as_a_data_sample():
    sample = prediction(gt_label=1, pred_logits=np.array([0.1, 1.2]),
                        frame_inds=np.array([3, 4])).to_data_sample()
    assert sample['gt_label'].tolist() == [1]
    assert sample['pred_score'].dtype == torch.float32
    assert torch.equal(sample['pred_logits'],
                       torch.tensor([0.1, 1.2], dtype=torch.float32))
    assert sample['frame_dir'] == '/d/case'
    assert 'frame_scores' not in sample  # not set
    with pytest.raises(ValueError, match='no ground-truth label'):
        prediction().to_data_sample()


def test_reweighted_scores_the_frames_with_other_weights():
    original = prediction(gt_label=1, video_id='case')
    # weights 3:1 -> logits 0.75 * [0, 1] + 0.25 * [2, -3] = [0.5, 0]
    reweighted = original.reweighted(np.array([6., 2.]))
    np.testing.assert_allclose(reweighted.pred_logits, [0.5, 0.])
    np.testing.assert_allclose(reweighted.pred_score,
                               np.exp([0.5, 0.]) / np.exp([0.5, 0.]).sum())
    assert reweighted.pred_label == 0
    np.testing.assert_allclose(reweighted.frame_weights, [.75, .25])
    assert (reweighted.video_id, reweighted.gt_label) == ('case', 1)
    assert reweighted.center_distances is original.center_distances
    # no weight at all: the frame average
    np.testing.assert_allclose(
        original.reweighted(np.zeros(2)).pred_logits, [1., -1.])
    with pytest.raises(ValueError, match='/d/case: .*do not match'):
        original.reweighted(np.ones(3))
    with pytest.raises(ValueError, match='/d/case: no frame_video_logits'):
        prediction(frame_video_logits=None).reweighted(np.ones(2))
