"""top_k_overlap (and pearson_r) of frame weights against lesion areas."""
import numpy as np
import pytest

from kga_mmaction.evaluation.functional import pearson_r, top_k_overlap

AREAS = [0., 40., 90., 160., 250., 120., 30., 0.]  # lesion grows, shrinks


def test_attention_that_follows_the_lesion_scores_one():
    weights = np.asarray(AREAS) / 1000 + 0.1  # same order, other scale
    assert pearson_r(weights, AREAS) == pytest.approx(1.)
    assert top_k_overlap(weights, AREAS, 4) == 1.


def test_attention_opposite_to_the_lesion_scores_minus_one_and_zero():
    weights = 1 - np.asarray(AREAS) / 1000
    assert pearson_r(weights, AREAS) == pytest.approx(-1.)
    assert top_k_overlap(weights, AREAS, 4) == 0.


def test_share_of_the_top_k_attended_among_the_largest_areas():
    # largest 3 areas: frames 4, 3, 5; most attended: 4, 0, 3
    weights = [0.8, 0.1, 0.2, 0.7, 0.9, 0.3, 0.1, 0.]
    assert top_k_overlap(weights, AREAS, 3) == pytest.approx(2 / 3)
    # k = 1: the most attended frame, 4, has the largest area
    assert top_k_overlap(weights, AREAS, 1) == 1.


def test_frames_without_a_box_rank_last():
    # four frames without a lesion (area 0); attention on two of them
    areas = [0., 0., 50., 60., 0., 0.]
    weights = [0.9, 0.8, 0.1, 0.2, 0.3, 0.4]
    assert top_k_overlap(weights, areas, 2) == 0.
    assert pearson_r(weights, areas) < 0


def test_ties_in_area_count_for_the_frame():
    # 2nd largest area is 50, shared by frames 1, 2 and 3: all qualify
    areas = [10., 50., 50., 50., 80.]
    assert top_k_overlap([0., 0.9, 0.1, 0.8, 0.2], areas, 2) == 1.
    assert top_k_overlap([0.9, 0.1, 0.2, 0.3, 0.], areas, 2) == 0.5


def test_k_is_clipped_to_the_frames():
    weights, areas = [0.1, 0.9, 0.5], [3., 1., 2.]
    assert top_k_overlap(weights, areas, 1) == 0.
    assert top_k_overlap(weights, areas, 10) == 1.


@pytest.mark.parametrize('weights, areas', [
    ([0.25, 0.25, 0.25, 0.25], [0., 10., 20., 30.]),  # no attention
    ([0.1, 0.2, 0.3, 0.4], [0., 0., 0., 0.]),  # no box in any frame
    ([0.1, 0.2, 0.3, 0.4], [7., 7., 7., 7.]),  # one size throughout
    ([0.5], [10.]),  # one frame
])
def test_constant_inputs_are_undefined(weights, areas):
    assert np.isnan(top_k_overlap(weights, areas, 2))
    assert np.isnan(pearson_r(weights, areas))


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match='k must be >= 1, got 0'):
        top_k_overlap([0.1, 0.2], [1., 2.], 0)
    with pytest.raises(ValueError, match='3 frame weights but 2'):
        top_k_overlap([0.1, 0.2, 0.3], [1., 2.], 1)
