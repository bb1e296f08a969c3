"""What a check run's logs say: per-iteration training scalars and test
iteration times, as mmengine writes them."""
import glob
import json
import math
import os.path as osp
import re
import statistics
from typing import List, Optional

#: One test iteration of mmengine's text log (``LoggerHook``, interval 1).
TEST_LINE = re.compile(
    r'(?:Epoch|Iter)\(test\)\s*\[\s*(\d+)/(\d+)\].*?\btime: ([\d.]+)\s+'
    r'data_time: ([\d.]+)(?:\s+memory: (\d+))?')


def latest_run_dir(work_dir: str) -> Optional[str]:
    """The newest ``<timestamp>/`` folder mmengine made in ``work_dir``."""
    runs = sorted(d for d in glob.glob(osp.join(work_dir, '[0-9]*_[0-9]*'))
                  if osp.isdir(d))
    return runs[-1] if runs else None


def train_records(run_dir: str) -> List[dict]:
    """The training iterations of ``vis_data/scalars.json`` (one line per
    logged iteration; metric lines without ``time`` are left out)."""
    path = osp.join(run_dir, 'vis_data', 'scalars.json')
    if not osp.isfile(path):
        return []
    with open(path) as f:
        records = [json.loads(line) for line in f if line.strip()]
    return [r for r in records if 'time' in r and 'loss' in r]


def summarise_train(records: List[dict]) -> dict:
    """Seconds per iteration, data-wait share, peak memory and finiteness of
    each loss term.

    The first iteration (start-up, cuDNN autotuning, allocator growth) is
    left out of the timings when later ones exist; times are medians.

    Returns:
        dict: ``iterations``, ``seconds_per_iter``, ``data_time_s``,
        ``data_wait_share``, ``peak_memory_mb`` (None without CUDA),
        ``losses_finite`` (term -> bool), ``first_loss`` and ``last_loss``.
    """
    if not records:
        return dict(iterations=0)
    timed = records[1:] or records
    step = statistics.median(r['time'] for r in timed)
    data = statistics.median(r['data_time'] for r in timed)
    memory = [r['memory'] for r in records if 'memory' in r]
    terms = sorted({k for r in records for k in r if k.startswith('loss')})
    return dict(
        iterations=len(records), seconds_per_iter=step, data_time_s=data,
        data_wait_share=data / step if step > 0 else float('nan'),
        peak_memory_mb=max(memory) if memory else None,
        losses_finite={
            k: all(math.isfinite(r[k]) for r in records if k in r)
            for k in terms
        },
        first_loss=records[0]['loss'], last_loss=records[-1]['loss'])


def test_iterations(run_dir: str) -> List[dict]:
    """The test iterations of the run's text log: ``time``, ``data_time``
    (seconds) and ``memory`` (MB, None without CUDA)."""
    logs = glob.glob(osp.join(run_dir, '*.log'))
    if not logs:
        return []
    with open(logs[0]) as f:
        matches = [TEST_LINE.search(line) for line in f]
    return [
        dict(time=float(m.group(3)), data_time=float(m.group(4)),
             memory=int(m.group(5)) if m.group(5) else None)
        for m in matches if m
    ]


def summarise_test(iterations: List[dict]) -> dict:
    """Median seconds per test video after the first (warm-up) one, and the
    peak memory."""
    if not iterations:
        return dict(videos=0)
    timed = iterations[1:] or iterations
    memory = [i['memory'] for i in iterations if i['memory'] is not None]
    return dict(videos=len(iterations),
                seconds_per_video=statistics.median(i['time'] for i in timed),
                first_video_s=iterations[0]['time'],
                peak_memory_mb=max(memory) if memory else None)
