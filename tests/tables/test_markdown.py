"""kga_mmaction.tables.markdown: how a table prints its numbers."""
from kga_mmaction.tables import format_p, mean_std


def test_mean_std_is_in_percent_with_the_population_std():
    assert mean_std([0.5, 0.7]) == '60.00 +- 10.00'
    assert mean_std([0.123, 0.125], scale=1., digits=3) == '0.124 +- 0.001'


def test_one_value_shows_no_spread():
    assert mean_std([0.98765]) == '98.77'


def test_small_p_values_are_bounded():
    assert format_p(0.0004) == '<0.001'
    assert format_p(0.0456) == '0.046'
