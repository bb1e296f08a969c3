"""kga_mmaction.utils.spread_indices: a few items spread over many."""
import pytest

from kga_mmaction.utils import spread_indices


def test_spread_over_the_whole_range():
    assert spread_indices(10, 3) == [0, 4, 9]  # not the first 3
    assert spread_indices(10, 1) == [0]
    assert spread_indices(4, None) == spread_indices(4, 9) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match='got 0'):
        spread_indices(10, 0)
