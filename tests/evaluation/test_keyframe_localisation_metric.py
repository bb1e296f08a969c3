"""KeyframeLocalisationMetric: frame attention against the annotated lesion
area, through mmengine's Evaluator, at test time and from a dump."""
import logging

import numpy as np
import pytest
import torch
from mmaction.registry import METRICS
from mmaction.structures import ActionDataSample
from mmengine.evaluator import Evaluator
from mmengine.logging import MMLogger

from kga_mmaction.evaluation import evaluate_predictions, load_predictions

#: Lesion area of each of a video's 10 frames: none at the ends.
AREAS = [0., 0., 20., 45., 80., 120., 90., 40., 10., 0.]
#: The frames the test pipeline sampled (every other one).
FRAME_INDS = np.array([0, 2, 4, 6, 8], dtype=np.int32)
SAMPLED_AREAS = np.asarray(AREAS)[FRAME_INDS]  # [0, 20, 80, 90, 10]


def video(video_id, weights, areas=AREAS, frame_inds=FRAME_INDS):
    """A prediction as at test time: frame weights, and the whole video's
    lesion areas with the sampled frame indices in its metainfo."""
    sample = ActionDataSample().set_gt_label(1)
    sample.set_pred_score(torch.tensor([0.25, 0.75]))
    sample.set_metainfo(dict(video_id=video_id, frame_inds=frame_inds,
                             lesion_areas=areas))
    if weights is not None:
        sample.frame_weights = torch.tensor(weights)
    return sample


def evaluate(samples, metrics=(dict(type='KeyframeLocalisationMetric'), )):
    evaluator = Evaluator(list(metrics))
    evaluator.process(samples)
    return evaluator.evaluate(len(samples))


def test_averages_over_the_videos_with_attention_and_a_lesion(caplog):
    follows = SAMPLED_AREAS / 100 + 0.05  # [T], ordered as the areas
    opposite = 1 - SAMPLED_AREAS / 100
    logger = MMLogger.get_current_instance()
    old_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(caplog.handler)
    try:
        res = evaluate([
            video('follows', follows),
            video('opposite', opposite),
            video('mean', [0.2] * 5),  # no attention: every frame 1 / T
            video('no_lesion', follows, areas=[0.] * 10),  # no box at all
        ])
    finally:
        logger.removeHandler(caplog.handler)
        logger.setLevel(old_level)
    # k = 4 of 5 frames: the 4 largest areas are frames 2, 4, 6, 8; the
    # opposite attention ranks frame 0 (area 0) first, then 8, 2, 4
    assert res == pytest.approx({
        'keyframe/area_corr': (1. + -1.) / 2,
        'keyframe/top4_overlap': (1. + 3 / 4) / 2,
        'keyframe/num_videos': 2,
        'keyframe/num_skipped': 2,
    })
    table = next(r.getMessage() for r in caplog.records
                 if 'per video (k=4)' in r.getMessage())
    assert 'video      T  area_corr  top4_overlap' in table
    assert 'opposite   5  -1.0000    0.7500' in table
    assert 'mean       5  nan        nan' in table


def test_k_is_a_config_argument():
    weights = [0.1, 0.2, 0.9, 0.3, 0.4]  # frame 4 (area 80) attended most
    res = evaluate([video('v', weights)],
                   [dict(type='KeyframeLocalisationMetric', k=1)])
    assert res['keyframe/top1_overlap'] == 0.  # the largest is frame 6
    with pytest.raises(ValueError, match='k must be >= 1, got 0'):
        METRICS.build(dict(type='KeyframeLocalisationMetric', k=0))


def test_all_videos_skipped_gives_the_counts_only():
    res = evaluate([video('a', [0.2] * 5), video('b', [0.2] * 5)])
    assert res == {'keyframe/num_videos': 0, 'keyframe/num_skipped': 2}


def test_without_weights_or_lesion_areas_nothing_is_reported():
    no_weights = video('3d', None)  # a 3D baseline
    no_areas = video('list', [0.1, 0.2, 0.3, 0.4, 0.5], areas=None)
    assert evaluate([no_weights, no_areas]) == {}


def test_one_weight_per_sampled_frame_is_required():
    ten_crops = video('v', torch.rand(50).tolist())
    with pytest.raises(ValueError, match='v: 50 frame weights but 5 sampled'):
        evaluate([ten_crops])


@pytest.mark.parametrize('suffix', ['.json', '.csv'])
def test_recomputed_from_a_dump_equals_the_test_time_value(tmp_path, suffix):
    rng = np.random.default_rng(0)
    samples = []
    for i in range(6):
        num_frames = int(rng.integers(6, 12))
        areas = (rng.random(num_frames) * 300).round(1).tolist()
        inds = np.sort(rng.choice(num_frames, 4, replace=False))
        samples.append(video(f'v{i}', rng.random(4).tolist(), areas, inds))
    path = str(tmp_path / f'preds{suffix}')
    online = evaluate(samples, [
        dict(type='KeyframeLocalisationMetric', k=2),
        dict(type='DumpPredictions', out_file_path=path)
    ])
    assert online['keyframe/num_videos'] == 6
    predictions = load_predictions(path)
    np.testing.assert_allclose(predictions[3].frame_lesion_areas,
                               np.asarray(samples[3].lesion_areas)[
                                   samples[3].frame_inds], rtol=1e-6)
    offline = evaluate_predictions(
        predictions, dict(type='KeyframeLocalisationMetric', k=2))
    assert offline == pytest.approx(online, rel=1e-12)
