"""tools/analysis/premise_sweep.py: the readings of a prediction and the
cfg-options that point a demo config at one fraction's data."""
import math
import os.path as osp
import sys

import numpy as np
import pytest

from kga_mmaction.evaluation import VideoPrediction
from runner_options import ROOT

sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
import premise_sweep  # noqa: E402


def prediction():
    # 3 frames; video classifier logits per frame, frame classifier
    # probabilities, attention weights and lesion areas
    return VideoPrediction(
        pred_score=np.array([0.4, 0.6]), pred_label=1, gt_label=1,
        pred_logits=np.array([0.5, 1.5]),
        frame_weights=np.array([1., 0., 1.]),
        frame_scores=np.array([[0.5, 0.5], [0.2, 0.8], [0.9, 0.1]]),
        frame_video_logits=np.array([[0., 2.], [0., 4.], [0., -3.]]),
        frame_lesion_areas=np.array([0., 3., 1.]))


@pytest.mark.parametrize('how,expected', [
    (None, 1.0),  # 1.5 - 0.5
    ('uniform', (2. + 4. - 3.) / 3),
    ('attention', (2. - 3.) / 2),  # frames 0 and 2
    ('lesion', (3 * 4. + 1 * -3.) / 4),
    ('frame mean', (0. + math.log(4.) + math.log(1 / 9)) / 3),
    ('frame attention', (0. + math.log(1 / 9)) / 2),
])
def test_readings_by_hand(how, expected):
    assert premise_sweep.reading(prediction(), how) == pytest.approx(expected)


def test_data_options_point_every_split_at_the_fraction():
    options = premise_sweep.data_options('data/premise/kf0.1')
    assert options == [
        'train_dataloader.dataset.video.data_root=data/premise/kf0.1/busv',
        'train_dataloader.dataset.image.data_root='
        'data/premise/kf0.1/Dataset_BUSI_with_GT',
        'val_dataloader.dataset.data_root=data/premise/kf0.1/busv',
        'test_dataloader.dataset.data_root=data/premise/kf0.1/busv'
    ]
