"""Timing harness: interleaved repetitions, medians, quartiles, ratios."""
import time
from typing import Callable, Dict, List, Sequence

import numpy as np
import torch


def synchronize(device: str) -> None:
    """Wait for queued CUDA work (nothing to wait for on CPU)."""
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def summarize(times: Sequence[float]) -> dict:
    """Median, quartiles and range of repeated timings, in seconds."""
    arr = np.asarray(times, dtype=np.float64)
    q1, q3 = np.percentile(arr, [25, 75])
    return dict(median_s=float(np.median(arr)), q1_s=float(q1),
                q3_s=float(q3), min_s=float(arr.min()),
                max_s=float(arr.max()), n=int(arr.size),
                times_s=[float(t) for t in arr])


def time_interleaved(fns: Dict[str, Callable[[], object]], repeats: int,
                     warmup: int, device: str) -> Dict[str, dict]:
    """Time several functions round-robin.

    Warm-up rounds, then ``repeats`` rounds of one call each, in turn (the
    order reversed every other round, so that a drifting machine load
    evens out).

    Args:
        fns (dict[str, Callable]): The functions to time, by name.
        repeats (int): Timed rounds.
        warmup (int): Untimed rounds before them.
        device (str): Synchronized before and after every call.

    Returns:
        dict[str, dict]: :func:`summarize` of each function's calls.
    """
    times: Dict[str, List[float]] = {name: [] for name in fns}
    order = list(fns.items())
    for round_ in range(warmup + repeats):
        for name, fn in (order if round_ % 2 == 0 else order[::-1]):
            synchronize(device)
            start = time.perf_counter()
            fn()
            synchronize(device)
            if round_ >= warmup:
                times[name].append(time.perf_counter() - start)
    return {name: summarize(t) for name, t in times.items()}


def ratio(a: dict, b: dict) -> dict:
    """``a / b`` of two timings of :func:`time_interleaved`: of the medians,
    and the median (and range) of the per-round ratios."""
    pairs = [x / y for x, y in zip(a['times_s'], b['times_s'])]
    return dict(of_medians=a['median_s'] / b['median_s'],
                paired_median=float(np.median(pairs)),
                paired_min=float(min(pairs)), paired_max=float(max(pairs)))
