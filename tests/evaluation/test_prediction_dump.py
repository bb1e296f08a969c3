import csv
import json
import os

import numpy as np
import pytest
import torch
from mmaction.registry import METRICS, MODELS
from mmaction.structures import ActionDataSample
from mmengine.evaluator import Evaluator

from kga_mmaction.evaluation.predicted_sample import (frame_lesion_areas_of,
                                                      video_id_of)
from kga_mmaction.evaluation.video_prediction import to_plain


def kga_sample() -> ActionDataSample:
    """A KGA-Net prediction: 3 frames, 2 classes, every per-frame field;
    its video has 9 frames, each with a lesion area."""
    sample = ActionDataSample()
    sample.set_gt_label(1)
    sample.set_pred_score(torch.tensor([0.25, 0.75]))
    sample.set_pred_label(1)
    sample.pred_logits = torch.tensor([0., 3.])
    sample.set_metainfo(dict(video_id='x28f299ceb056964c',
                             frame_dir='/data/busv/rawframes/malignant/x28f',
                             frame_inds=np.array([0, 4, 8]),
                             lesion_areas=[0., 1., 2., 3., 4., 5., 6., 7.,
                                           8.5]))
    sample.frame_weights = torch.tensor([0.5, 0.25, 0.125])
    sample.frame_scores = torch.tensor([[0.5, 0.5], [0.25, 0.75],
                                        [0.125, 0.875]])
    sample.center_distances = torch.tensor([[1.5, 2.0], [3.0, 0.5],
                                            [4.0, 0.25]])
    sample.frame_video_logits = torch.tensor([[0.5, 1.5], [-1.0, 2.0],
                                              [0.25, 4.0]])
    return sample


def baseline_sample() -> ActionDataSample:
    """A baseline prediction: scores only, no video_id, no frame fields."""
    sample = ActionDataSample()
    sample.set_gt_label(0)
    sample.set_pred_score(torch.tensor([0.875, 0.125]))
    sample.set_pred_label(0)
    sample.set_metainfo(dict(frame_dir='/data/busv/rawframes/benign/y1a2/'))
    return sample


def run_dump(path, samples, **kwargs):
    evaluator = Evaluator([
        dict(type='BinaryDiagnosisMetric'),
        dict(type='DumpPredictions', out_file_path=str(path), **kwargs)
    ])
    evaluator.process(samples)
    return evaluator.evaluate(len(samples))


def test_registered_and_checks_the_extension(tmp_path):
    assert METRICS.get('DumpPredictions') is not None
    with pytest.raises(ValueError, match='preds.pkl'):
        METRICS.build(dict(type='DumpPredictions',
                           out_file_path=str(tmp_path / 'preds.pkl')))


def test_json_per_video(tmp_path):
    path = tmp_path / 'out' / 'preds.json'  # the folder is created
    metrics = run_dump(path, [kga_sample(), baseline_sample()])
    assert 'diagnosis/auc' in metrics  # the dumper adds no keys
    assert not any(k.startswith('DumpPredictions') for k in metrics)
    records = json.loads(path.read_text())
    assert len(records) == 2
    kga, base = records
    assert kga == dict(
        index=0, video_id='x28f299ceb056964c',
        frame_dir='/data/busv/rawframes/malignant/x28f', filename=None,
        gt_label=1, pred_label=1, positive_score=0.75, log_odds=3.0,
        pred_score=[0.25, 0.75], pred_logits=[0.0, 3.0],
        frame_inds=[0, 4, 8],
        frame_weights=[0.5, 0.25, 0.125],
        frame_lesion_areas=[0.0, 4.0, 8.5],  # lesion_areas[frame_inds]
        frame_scores=[[0.5, 0.5], [0.25, 0.75], [0.125, 0.875]],
        center_distances=[[1.5, 2.0], [3.0, 0.5], [4.0, 0.25]],
        frame_video_logits=[[0.5, 1.5], [-1.0, 2.0], [0.25, 4.0]])
    # video id from the frame folder; the fields a baseline lacks are null
    assert base == dict(
        index=1, video_id='y1a2',
        frame_dir='/data/busv/rawframes/benign/y1a2/', filename=None,
        gt_label=0, pred_label=0, positive_score=0.125, log_odds=None,
        pred_score=[0.875, 0.125], pred_logits=None, frame_inds=None,
        frame_weights=None, frame_lesion_areas=None, frame_scores=None,
        center_distances=None, frame_video_logits=None)
    assert os.listdir(path.parent) == ['preds.json']  # no temporary left


def test_csv_per_video(tmp_path):
    path = tmp_path / 'preds.csv'
    run_dump(path, [kga_sample(), baseline_sample()], positive_class=0)
    with open(path, newline='') as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert reader.fieldnames == [
        'index', 'video_id', 'frame_dir', 'filename', 'gt_label',
        'pred_label', 'positive_score', 'log_odds', 'pred_score',
        'pred_logits', 'frame_inds', 'frame_weights', 'frame_lesion_areas',
        'frame_scores_0', 'frame_scores_1', 'center_distances_0',
        'center_distances_1', 'frame_video_logits_0', 'frame_video_logits_1'
    ]
    kga, base = rows
    assert kga == {
        'index': '0', 'video_id': 'x28f299ceb056964c',
        'frame_dir': '/data/busv/rawframes/malignant/x28f', 'filename': '',
        'gt_label': '1', 'pred_label': '1',
        'positive_score': '0.25',  # class 0's score
        'log_odds': '-3.0',  # of class 0
        'pred_score': '0.25 0.75', 'pred_logits': '0.0 3.0',
        'frame_inds': '0 4 8',
        'frame_weights': '0.5 0.25 0.125',
        'frame_lesion_areas': '0.0 4.0 8.5',
        'frame_scores_0': '0.5 0.25 0.125',  # column k: T values of class k
        'frame_scores_1': '0.5 0.75 0.875',
        'center_distances_0': '1.5 3.0 4.0',
        'center_distances_1': '2.0 0.5 0.25',
        'frame_video_logits_0': '0.5 -1.0 0.25',
        'frame_video_logits_1': '1.5 2.0 4.0'
    }
    assert base == {
        'index': '1', 'video_id': 'y1a2',
        'frame_dir': '/data/busv/rawframes/benign/y1a2/', 'filename': '',
        'gt_label': '0', 'pred_label': '0', 'positive_score': '0.875',
        'log_odds': '', 'pred_score': '0.875 0.125', 'pred_logits': '',
        'frame_inds': '', 'frame_weights': '', 'frame_lesion_areas': '',
        'frame_scores_0': '', 'frame_scores_1': '',
        'center_distances_0': '', 'center_distances_1': '',
        'frame_video_logits_0': '', 'frame_video_logits_1': ''
    }
    # the cells parse back to the per-frame values
    np.testing.assert_allclose(
        np.array(kga['center_distances_1'].split(), dtype=float),
        kga_sample().center_distances[:, 1].numpy())


def test_predictions_of_the_frame_attention_head(tmp_path):
    head = MODELS.build(
        dict(type='FrameAttentionHead', num_classes=2, in_channels=4,
             loss_center=dict(type='CenterLoss')))
    head.init_weights()
    samples = [ActionDataSample().set_gt_label(i % 2) for i in range(2)]
    for i, sample in enumerate(samples):
        sample.set_metainfo(dict(video_id=f'v{i}'))
    feats = torch.randn(2, 5, 4)  # [N, T, C]
    valid_mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    with torch.no_grad():
        preds = head.predict(feats, samples, valid_mask)
    run_dump(tmp_path / 'preds.json', preds)
    records = json.loads((tmp_path / 'preds.json').read_text())
    for record, pred, num_frames in zip(records, preds, (5, 3)):
        assert record['video_id'] == pred.video_id
        assert record['positive_score'] == pytest.approx(
            float(pred.pred_score[1]))
        logits = pred.pred_logits.double()
        assert record['log_odds'] == pytest.approx(
            float(logits[1] - logits[0]))
        assert record['pred_label'] == int(pred.pred_score.argmax())
        np.testing.assert_allclose(record['frame_weights'],
                                   pred.frame_weights.numpy(), rtol=1e-6)
        assert np.array(record['center_distances']).shape == (num_frames, 2)
        np.testing.assert_allclose(record['center_distances'],
                                   pred.center_distances.numpy(), rtol=1e-6)
        np.testing.assert_allclose(record['frame_video_logits'],
                                   pred.frame_video_logits.numpy(),
                                   rtol=1e-6)


def test_lesion_areas_of_the_sampled_frames():
    areas = [0., 10., 20., 30.]
    picked = frame_lesion_areas_of(
        dict(lesion_areas=areas, frame_inds=np.array([3, 1, 1])))
    assert picked.dtype == np.float32
    np.testing.assert_array_equal(picked, [30., 10., 10.])
    # read back from a dump: as stored, frame_inds no longer needed
    np.testing.assert_array_equal(
        frame_lesion_areas_of(dict(frame_lesion_areas=torch.tensor([5.]))),
        [5.])
    assert frame_lesion_areas_of(dict(lesion_areas=areas)) is None
    assert frame_lesion_areas_of(dict(frame_inds=np.array([0]))) is None
    with pytest.raises(ValueError, match='v7: frame_inds from 2 to 4, but '
                       'lesion_areas has 4 frames'):
        frame_lesion_areas_of(dict(video_id='v7', lesion_areas=areas,
                                   frame_inds=np.array([2, 4])))


def test_video_id_fallbacks():
    assert video_id_of(dict(video_id='a', frame_dir='/x/b')) == 'a'
    assert video_id_of(dict(frame_dir='/x/b/')) == 'b'
    assert video_id_of(dict(filename='/x/c.mp4')) == 'c.mp4'
    assert video_id_of(dict()) is None


def test_to_plain_gives_short_float32_decimals():
    assert to_plain(torch.tensor([0.3, 0.1])) == [0.3, 0.1]
    assert to_plain(torch.tensor(0.7)) == 0.7
    assert to_plain(np.array([[1, 2]])) == [[1, 2]]
    assert to_plain(None) is None
