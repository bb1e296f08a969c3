"""top_k_frames: the highest attention weights, ties in temporal order."""
import numpy as np
import pytest

from kga_mmaction.evaluation.functional import top_k_frames


def test_top_k_frames_descending_and_stable():
    weights = [0.2, 0.9, 0.5, 0.9, 0.1]
    np.testing.assert_array_equal(top_k_frames(weights, 3), [1, 3, 2])
    assert len(top_k_frames(weights, 10)) == 5
    with pytest.raises(ValueError):
        top_k_frames(weights, -1)
