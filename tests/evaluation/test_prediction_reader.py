"""Reading back DumpPredictions files: records, offline metrics, frames."""
import csv
import json

import cv2
import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.evaluator import Evaluator

from kga_mmaction.evaluation import (NonFiniteScoreError, VideoPrediction,
                                     evaluate_predictions, load_predictions,
                                     read_prediction_frames,
                                     select_predictions)

METRICS = [dict(type='BinaryDiagnosisMetric', threshold=0.4, bootstrap=20),
           dict(type='AttentionDistanceMetric')]


def kga_samples(num=12, seed=0):
    """KGA-Net-like predictions with float32 logits; a third of them
    saturate (their malignant probability is exactly 1.0 in float32)."""
    rng = np.random.default_rng(seed)
    samples = []
    for i in range(num):
        label = i % 2
        logits = torch.tensor([0., rng.normal(label) + 25 * (i % 3 == 0)],
                              dtype=torch.float32)
        frames = int(rng.integers(2, 6))
        sample = ActionDataSample().set_gt_label(label)
        sample.set_pred_score(logits.softmax(-1))
        sample.set_pred_label(int(logits.argmax()))
        sample.pred_logits = logits
        sample.frame_weights = torch.rand(frames)
        sample.frame_scores = torch.rand(frames, 2)
        sample.center_distances = torch.rand(frames, 2) * 10
        sample.frame_video_logits = torch.randn(frames, 2)
        sample.set_metainfo(dict(video_id=f'v{i}', frame_dir=f'/d/v{i}',
                                 frame_inds=np.arange(frames) + 1))
        samples.append(sample)
    return samples


def evaluate_and_dump(path, samples):
    """The test-time metrics, with the predictions dumped to ``path``."""
    evaluator = Evaluator(
        [*METRICS, dict(type='DumpPredictions', out_file_path=str(path))])
    evaluator.process(samples)
    return evaluator.evaluate(len(samples))


@pytest.mark.parametrize('suffix', ['.json', '.csv'])
def test_offline_metrics_equal_the_test_time_ones(tmp_path, suffix):
    """The dump holds the float32 scores and logits the metric read, so
    the metrics recomputed from it are those of the test run, to the bit
    (same values through the same code, not another kernel)."""
    samples = kga_samples()
    assert sum(float(s.pred_score[1]) == 1.0 for s in samples) >= 3
    path = tmp_path / f'preds{suffix}'
    online = evaluate_and_dump(path, samples)
    predictions = load_predictions(str(path))
    assert evaluate_predictions(predictions, METRICS) == online
    assert online['diagnosis/auc'] == evaluate_predictions(
        predictions, METRICS[0])['diagnosis/auc']


@pytest.mark.parametrize('suffix', ['.json', '.csv'])
def test_records_read_back(tmp_path, suffix):
    samples = kga_samples(num=3)
    path = tmp_path / f'preds{suffix}'
    evaluate_and_dump(path, samples)
    predictions = load_predictions(str(path))
    assert [p.index for p in predictions] == [0, 1, 2]
    for pred, sample in zip(predictions, samples):
        assert (pred.video_id, pred.frame_dir, pred.filename) == (
            sample.video_id, sample.frame_dir, None)
        assert (pred.gt_label, pred.pred_label) == (
            int(sample.gt_label), int(sample.pred_label))
        np.testing.assert_array_equal(pred.frame_inds, sample.frame_inds)
        for key in ('pred_score', 'pred_logits', 'frame_weights',
                    'frame_scores', 'center_distances',
                    'frame_video_logits'):
            value = getattr(pred, key)
            assert value.shape == tuple(sample.get(key).shape), key
            # float32 written as its shortest decimal reads back the same
            np.testing.assert_array_equal(value.astype(np.float32),
                                          sample.get(key).numpy(), key)


@pytest.mark.parametrize('suffix', ['.json', '.csv'])
def test_dumps_without_frame_video_logits_still_load(tmp_path, suffix):
    """A dump written before the head stored frame_video_logits."""
    path = tmp_path / f'preds{suffix}'
    evaluate_and_dump(path, kga_samples(num=3))
    if suffix == '.json':
        records = json.loads(path.read_text())
        path.write_text(json.dumps([
            {k: v for k, v in r.items() if k != 'frame_video_logits'}
            for r in records]))
    else:
        with open(path, newline='') as f:
            rows = list(csv.DictReader(f))
        kept = [c for c in rows[0] if not c.startswith('frame_video_logits')]
        with open(path, 'w', newline='') as f:
            writer = csv.DictWriter(f, fieldnames=kept,
                                    extrasaction='ignore')
            writer.writeheader()
            writer.writerows(rows)
    predictions = load_predictions(str(path))
    assert all(p.frame_video_logits is None for p in predictions)
    assert all(p.frame_scores is not None for p in predictions)


def test_non_finite_values_are_refused_naming_file_and_video(tmp_path):
    path = tmp_path / 'preds.json'
    evaluate_and_dump(path, kga_samples(num=4))
    records = json.loads(path.read_text())
    records[2]['frame_weights'][1] = float('nan')
    path.write_text(json.dumps(records))  # NaN, as json writes it
    with pytest.raises(NonFiniteScoreError) as info:
        load_predictions(str(path))
    assert str(info.value).startswith(
        f'{path}: /d/v2: the model gave non-finite frame_weights')


def test_bad_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.json'):
        load_predictions(str(tmp_path / 'missing.json'))
    pickle = tmp_path / 'preds.pkl'
    pickle.write_bytes(b'x')
    with pytest.raises(ValueError, match='preds.pkl'):
        load_predictions(str(pickle))
    empty = tmp_path / 'empty.json'
    empty.write_text('[]')
    with pytest.raises(ValueError, match='empty.json: no predictions'):
        load_predictions(str(empty))
    unlabelled = VideoPrediction(pred_score=np.array([.4, .6]),
                                 pred_label=1, video_id='u')
    with pytest.raises(ValueError, match='u: no ground-truth label'):
        evaluate_predictions([unlabelled], METRICS[0])


def test_select_by_id_and_spread():
    predictions = [
        VideoPrediction(pred_score=np.array([.5, .5]), pred_label=0,
                        video_id=f'v{i}') for i in range(10)
    ]
    spread = select_predictions(predictions, 3)  # not the first 3
    assert [p.video_id for p in spread] == ['v0', 'v4', 'v9']
    assert select_predictions(predictions) == predictions
    chosen = select_predictions(predictions, 3, video_ids=['v7', 'v2'])
    assert [p.video_id for p in chosen] == ['v7', 'v2']
    with pytest.raises(ValueError, match='v99'):
        select_predictions(predictions, video_ids=['v99'])


def test_frames_are_re_read_from_a_frame_folder(tmp_path):
    """A folder numbered from 1 (``img_00001.jpg``, as MMAction2 extracts
    frames): ``frame_inds`` as the decoder read them, indices 0-based."""
    folder = tmp_path / 'case'
    folder.mkdir()
    for i in range(1, 7):
        cv2.imwrite(str(folder / f'img_{i:05d}.png'),
                    np.full((8, 10, 3), 40 * i, np.uint8))
    pred = VideoPrediction(pred_score=np.array([.5, .5]), pred_label=0,
                           frame_dir=str(folder),
                           frame_inds=np.array([1, 3, 5, 6]))
    frames, inds = read_prediction_frames(pred)
    np.testing.assert_array_equal(inds, [0, 2, 4, 5])
    assert [int(f[0, 0, 0]) for f in frames] == [40, 120, 200, 240]
    assert frames[0].shape == (8, 10, 3) and frames[0].dtype == np.uint8
    frames, inds = read_prediction_frames(pred, positions=[3, 0])
    np.testing.assert_array_equal(inds, [5, 0])
    assert [int(f[0, 0, 0]) for f in frames] == [240, 40]

    moved = VideoPrediction(pred_score=np.array([.5, .5]), pred_label=0,
                            frame_dir=str(tmp_path / 'gone'),
                            frame_inds=np.array([1]))
    with pytest.raises(FileNotFoundError, match='gone'):
        read_prediction_frames(moved)
    unplaced = VideoPrediction(pred_score=np.array([.5, .5]), pred_label=0,
                               video_id='x', frame_inds=np.array([1]))
    with pytest.raises(ValueError, match="x: .*meta_keys"):
        read_prediction_frames(unplaced)


def test_frames_are_re_read_from_a_video_file(tmp_path):
    path = str(tmp_path / 'case.avi')
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), 10,
                             (16, 12))
    for i in range(8):
        writer.write(np.full((12, 16, 3), 30 * i, np.uint8))
    writer.release()
    pred = VideoPrediction(pred_score=np.array([.5, .5]), pred_label=0,
                           filename=path, frame_inds=np.array([0, 3, 7]))
    frames, inds = read_prediction_frames(pred)
    np.testing.assert_array_equal(inds, [0, 3, 7])
    np.testing.assert_allclose([f.mean() for f in frames], [0, 90, 210],
                               atol=6)
