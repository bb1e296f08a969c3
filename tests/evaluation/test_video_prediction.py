"""VideoPrediction: finiteness, own-class distances, as a metric sample."""
import numpy as np
import pytest
import torch

from kga_mmaction.evaluation import NonFiniteScoreError, VideoPrediction


def prediction(**kwargs):
    fields = dict(pred_score=np.array([0.25, 0.75]), pred_label=1,
                  frame_weights=np.array([0.5, 0.2]),
                  center_distances=np.array([[1., 2.], [3., 4.]]),
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
                                   'center_distances'])
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
