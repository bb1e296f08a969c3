"""VideoPrediction: from a predicted sample, to a record and back,
finiteness, own-class distances, as a metric sample."""
import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample

from kga_mmaction.evaluation import NonFiniteScoreError, VideoPrediction
from kga_mmaction.evaluation.video_prediction import RECORD_FIELDS


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


def predicted_sample() -> ActionDataSample:
    """A head's prediction of 2 frames, 2 classes, under AMP (half
    precision logits); its video has 5 frames with lesion areas."""
    sample = ActionDataSample().set_gt_label(0)
    sample.set_pred_score(torch.tensor([0.3, 0.7]))
    sample.pred_logits = torch.tensor([0., 0.5], dtype=torch.float16)
    sample.frame_weights = torch.tensor([0.25, 0.75])
    sample.frame_scores = torch.tensor([[0.5, 0.5], [0.1, 0.9]])
    sample.set_metainfo(dict(frame_dir='/d/case7/', frame_inds=[1, 4],
                             lesion_areas=[0., 1., 2., 3., 4.5]))
    return sample


def test_from_a_predicted_sample():
    sample = predicted_sample()
    pred = VideoPrediction.from_sample(sample)
    # a metric's process gets the sample as a dict: the same prediction
    as_dict = VideoPrediction.from_sample(sample.to_dict())
    assert vars(as_dict).keys() == vars(pred).keys()
    for name, value in vars(pred).items():
        np.testing.assert_array_equal(value, getattr(as_dict, name), name)
    assert pred.pred_label == 1  # no pred_label: the argmax of the scores
    assert (pred.gt_label, pred.video_id) == (0, 'case7')
    assert pred.pred_logits.dtype == np.float32  # half precision widened
    assert pred.frame_inds.dtype == np.int64
    np.testing.assert_array_equal(pred.frame_lesion_areas, [1., 4.5])
    assert pred.center_distances is None and pred.index is None


def test_record_and_back():
    pred = VideoPrediction.from_sample(predicted_sample())
    record = pred.to_record(positive_class=1)
    assert tuple(record) == RECORD_FIELDS
    assert record['positive_score'] == 0.7  # float32 as its short decimal
    assert record['log_odds'] == 0.5
    assert record['pred_score'] == [0.3, 0.7]
    assert record['frame_scores'] == [[0.5, 0.5], [0.1, 0.9]]
    assert record['center_distances'] is None
    back = VideoPrediction.from_record(record, position=3)
    assert back.index == 3  # the record had none: its position
    for name, value in vars(pred).items():
        if isinstance(value, np.ndarray):
            # float32 written as its shortest decimal reads back the same
            np.testing.assert_array_equal(
                getattr(back, name).astype(value.dtype), value, name)
        elif name != 'index':
            assert getattr(back, name) == value, name
    with pytest.raises(ValueError, match='positive_class=2 but pred_score '
                       'has 2 classes'):
        pred.to_record(positive_class=2)
    with pytest.raises(ValueError, match='record 4 has no pred_score'):
        VideoPrediction.from_record(dict(video_id='x'), position=4)


def test_a_csv_row_reads_back_as_its_json_record():
    """A CSV row holds text cells: empty ones are missing values."""
    pred = VideoPrediction.from_record(dict(
        index='2', video_id='v', frame_dir='', filename='/d/v.mp4',
        gt_label='', pred_label='1', pred_score='0.25 0.75',
        pred_logits='', frame_inds='0 3', frame_weights='0.5 0.5',
        frame_scores=[['0.5', '0.5'], ['0.25', '0.75']]))
    assert (pred.index, pred.gt_label, pred.pred_label) == (2, None, 1)
    assert (pred.frame_dir, pred.filename) == (None, '/d/v.mp4')
    assert pred.pred_logits is None
    np.testing.assert_array_equal(pred.frame_inds, [0, 3])
    np.testing.assert_array_equal(pred.frame_scores,
                                  [[0.5, 0.5], [0.25, 0.75]])
