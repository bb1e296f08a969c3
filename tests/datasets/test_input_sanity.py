"""The input checks and their thresholds
(kga_mmaction.datasets.input_sanity)."""
import numpy as np
import pytest

from kga_mmaction.datasets.input_sanity import (INPUT_SANITY, InputSanity,
                                                scale_to_uint8,
                                                significant_bits)


def test_blank_frames_are_near_constant_whatever_their_level():
    rng = np.random.default_rng(0)
    for level in (0, 128, 255):
        frame = np.full((20, 30, 3), level, np.uint8)
        frame += rng.integers(0, 2, frame.shape, dtype=np.uint8) * (
            level < 255)  # codec noise of one level
        assert INPUT_SANITY.is_blank(frame)
    speckle = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    assert not INPUT_SANITY.is_blank(speckle)
    # a dark frame with a little structure is not blank
    dark = np.zeros((20, 30, 3), np.uint8)
    dark[5:15, 10:20] = 40
    assert not INPUT_SANITY.is_blank(dark)


def test_a_clip_is_refused_when_more_than_half_its_frames_are_blank():
    assert INPUT_SANITY.blank_problem('v', 4, 8) is None
    problem = INPUT_SANITY.blank_problem('v', 5, 8)
    assert (problem.kind, problem.path) == ('blank_video', 'v')
    assert problem.detail.startswith('5 of 8 frames are blank')


def test_the_smallest_short_side_follows_the_model_input():
    assert INPUT_SANITY.min_short_side() == 32
    assert INPUT_SANITY.min_short_side((32, 32)) == 32
    assert INPUT_SANITY.min_short_side((224, 224)) == 112
    assert INPUT_SANITY.size_problem('v', (40, 300)) is None
    problem = INPUT_SANITY.size_problem('v', (100, 300), (224, 224))
    assert problem.kind == 'small_frames'
    assert problem.detail == ('frames are 300x100, far smaller than a scan '
                              '(short side below 112 px, the model input '
                              'is 224x224)')
    assert InputSanity(min_side=8).size_problem('v', (8, 8)) is None


@pytest.mark.parametrize('peak, bits', [(0, 8), (255, 8), (256, 9),
                                        (4095, 12), (65535, 16)])
def test_significant_bits(peak, bits):
    assert significant_bits(peak) == bits


def test_scale_to_uint8_maps_the_top_of_the_range_to_255():
    values = np.array([0, 16, 2048, 4095], np.uint16)
    np.testing.assert_array_equal(scale_to_uint8(values, 12),
                                  [0, 1, 128, 255])
    np.testing.assert_array_equal(scale_to_uint8(values[:2], 8), [0, 16])
    np.testing.assert_array_equal(
        scale_to_uint8(np.array([65535], np.uint16), 16), [255])
