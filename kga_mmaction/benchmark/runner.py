"""Run the chosen sections into one report dict."""
import time
import traceback
from datetime import datetime, timezone
from typing import Callable, Dict, Sequence

from .host import host_info
from .sections import (baselines, data, deployment, flops, inference,
                       loader, memory, train)
from .settings import TARGETS, BenchmarkContext

#: Every section's ``run``, in report order.
SECTIONS: Dict[str, Callable[[BenchmarkContext], dict]] = dict(
    inference=inference.run, baselines=baselines.run, train=train.run,
    data=data.run, loader=loader.run, memory=memory.run, flops=flops.run,
    deployment=deployment.run)
#: Characters of a failed section's traceback kept in the report.
TRACEBACK_TAIL = 3000


def run_benchmark(ctx: BenchmarkContext, names: Sequence[str]) -> dict:
    """Run the sections ``names``; one that fails is reported with its
    traceback, and the others still run.

    Args:
        ctx (BenchmarkContext): Device, repetitions, sizes and data root.
        names (Sequence[str]): Keys of :data:`SECTIONS`, in the order to
            run them.

    Returns:
        dict: ``created``, ``host``, ``quick``, ``repeats``, ``warmup``,
        ``sizes``, ``targets``, ``sections`` (each section's result),
        ``errors`` (each failed section's traceback) and ``seconds`` (each
        section's wall time).
    """
    report = dict(created=datetime.now(timezone.utc).isoformat(
        timespec='seconds'), host=host_info(ctx.device),
        quick=ctx.sizes['quick'], repeats=ctx.repeats, warmup=ctx.warmup,
        sizes=ctx.sizes, targets=TARGETS, sections={}, errors={},
        seconds={})
    for name in names:
        print(f'[benchmark] {name} ...', flush=True)
        start = time.perf_counter()
        try:
            report['sections'][name] = SECTIONS[name](ctx)
        except Exception as err:  # noqa: BLE001  (reported)
            report['errors'][name] = traceback.format_exc()[-TRACEBACK_TAIL:]
            print(f'[benchmark] {name} failed: {err}', flush=True)
        report['seconds'][name] = time.perf_counter() - start
    return report
