"""What a finished run left in its work dir: the training scalars that
mmengine logged, the metrics of its last test, and the
:class:`~kga_mmaction.engine.AttentionMonitorHook` records."""
import glob
import json
import os.path as osp
from typing import List

#: The file :class:`~kga_mmaction.engine.AttentionMonitorHook` writes in
#: each run's log dir.
MONITOR_FILE = 'attention_monitor.jsonl'


def newest(pattern: str) -> str:
    """The last path (by name: mmengine's log dirs are timestamps) matching
    ``pattern``.

    Raises:
        FileNotFoundError: If nothing matches.
    """
    paths = sorted(glob.glob(pattern))
    if not paths:
        raise FileNotFoundError(f'nothing matches {pattern}')
    return paths[-1]


def _json_lines(path: str) -> List[dict]:
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def train_curves(work_dir: str) -> List[dict]:
    """The logged training scalars, one dict per logging window, of the
    newest training log under ``work_dir``."""
    return [
        record for record in _json_lines(
            newest(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
        if 'loss' in record
    ]


def test_metrics(work_dir: str) -> dict:
    """The diagnosis metrics that ``tools/test.py`` logged last for a run
    (not those of a validation during training, which live in the training
    log dir's scalars).

    Raises:
        FileNotFoundError: If no log under ``work_dir`` has them.
    """
    for path in sorted(glob.glob(osp.join(work_dir, '*', '*.json')),
                       reverse=True):
        for record in _json_lines(path):
            if 'diagnosis/auc' in record:
                return record
    raise FileNotFoundError(f'no test metrics under {work_dir}')


def monitor_records(work_dir: str) -> List[dict]:
    """The attention monitor's records of the newest training log under
    ``work_dir``, one per monitored iteration."""
    return _json_lines(newest(osp.join(work_dir, '*', MONITOR_FILE)))
