"""kga_mmaction.benchmark.timing: interleaved rounds and their statistics."""
import pytest

from kga_mmaction.benchmark.timing import ratio, summarize, time_interleaved


def test_summarize_gives_median_quartiles_and_range():
    t = summarize([5., 1., 4., 2., 3.])
    assert (t['median_s'], t['q1_s'], t['q3_s']) == (3., 2., 4.)
    assert (t['min_s'], t['max_s'], t['n']) == (1., 5., 5)
    assert t['times_s'] == [5., 1., 4., 2., 3.]


def test_time_interleaved_alternates_the_order_and_skips_warmup():
    calls = []
    fns = {name: (lambda name=name: calls.append(name)) for name in 'ab'}
    timings = time_interleaved(fns, repeats=3, warmup=1, device='cpu')
    assert ''.join(calls) == 'abbaabba'
    assert {name: t['n'] for name, t in timings.items()} == dict(a=3, b=3)


def test_ratio_of_medians_and_of_rounds():
    a, b = summarize([2., 4., 9.]), summarize([1., 1., 3.])
    r = ratio(a, b)
    assert r['of_medians'] == pytest.approx(4.)
    assert (r['paired_median'], r['paired_min'], r['paired_max']) == (
        pytest.approx(3.), pytest.approx(2.), pytest.approx(4.))
