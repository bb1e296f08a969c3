"""How many dataloader workers keep a GPU busy: the GPU's step time at the
paper batch, from FLOPs and a stated GPU throughput (or a measured step),
against one worker's seconds per batch.

A worker builds whole batches, one at a time; ``W`` workers deliver ``W``
batches per worker-batch time, so the GPU waits unless ``W >= worker batch
seconds / GPU step seconds`` (:func:`workers_needed`).
"""
import glob
import json
import math
import os.path as osp
import re
from typing import Iterator, List, Optional, Sequence, Tuple

#: Training FLOPs per forward FLOP: the backward pass costs about twice the
#: forward (gradients of activations and of weights).
TRAIN_FLOPS_PER_FORWARD = 3

#: GPU throughputs assumed where none was measured: ResNet-50 training
#: frames (224x224 images) per second, and where the figure comes from.
ASSUMED_GPUS = (
    dict(gpu='A100 80GB', frames_per_s=2470.,
         source='NVIDIA DeepLearningExamples, PyTorch ResNet50 v1.5 '
         'README, "Training performance: NVIDIA DGX A100 (8x A100 80GB)", '
         '1 GPU, mixed precision: 2470 img/s (pytorch-21.03 NGC '
         'container; the script\'s default data backend is DALI)'),
    dict(gpu='H100', frames_per_s=4940.,
         source='assumption, not a measurement: twice the A100 figure '
         'above (no like-for-like PyTorch figure is published for the '
         'H100); replace it with a measured step (--gpu-step-s, or '
         'benchmarks/gpu-*.json from tools/gpu_check.py)'),
)

#: CPU cores of machines to compare the workers needed with: the machine
#: with one H100 that this project is lent now and then.
REFERENCE_CORES = dict(lent_h100_machine=16)

#: A KGA-Net entry of a GPU report (the paper model, not an ablation).
KGA_NAME = re.compile(r'kga[-_ ]?net(?![-_ ]w)', re.IGNORECASE)


def sustained_flops(frames_per_s: float, flops_per_frame: float) -> float:
    """Training FLOP/s of a GPU that trains ``frames_per_s`` frames of
    ``flops_per_frame`` forward FLOPs per second."""
    return frames_per_s * TRAIN_FLOPS_PER_FORWARD * flops_per_frame


def step_seconds(frames_per_iter: int, flops_per_frame: float,
                 flops_per_s: float) -> float:
    """Seconds of one training iteration of ``frames_per_iter`` frames at
    ``flops_per_s`` sustained training FLOP/s."""
    return (TRAIN_FLOPS_PER_FORWARD * flops_per_frame * frames_per_iter /
            flops_per_s)


def workers_needed(worker_batch_s: float, step_s: float) -> int:
    """Workers that deliver a batch every ``step_s`` when each takes
    ``worker_batch_s`` per batch (rounded up, at least 1).

    Raises:
        ValueError: A time is not positive.
    """
    if worker_batch_s <= 0 or step_s <= 0:
        raise ValueError(f'times must be > 0, got worker batch '
                         f'{worker_batch_s} s and step {step_s} s')
    return max(1, math.ceil(worker_batch_s / step_s - 1e-9))


def _steps(node, label: str) -> Iterator[Tuple[str, float]]:
    """Every ``(label, seconds_per_iter)`` in a JSON tree; a dict's label is
    its ``name``, ``config`` or ``model``, else its key."""
    if isinstance(node, dict):
        label = str(node.get('name') or node.get('config')
                    or node.get('model') or label)
        seconds = node.get('seconds_per_iter')
        if isinstance(seconds, (int, float)) and not isinstance(
                seconds, bool) and seconds > 0:
            yield label, float(seconds)
        for key, value in node.items():
            yield from _steps(value, str(key))
    elif isinstance(node, list):
        for item in node:
            yield from _steps(item, label)


def kga_step_from_report(report: dict,
                         prefer: str = '') -> Optional[Tuple[str, float]]:
    """KGA-Net's measured ``seconds_per_iter`` in a GPU report
    (``benchmarks/gpu-<name>.json``), whatever its nesting.

    Args:
        report (dict): The report.
        prefer (str): A label to take first when present (the paper
            config's file stem); otherwise the first label naming KGA-Net
            (not an ablation, ``kga-net-wo-...``).

    Returns:
        tuple[str, float] | None: The entry's label and seconds.
    """
    found = [(label, s) for label, s in _steps(report, '')
             if KGA_NAME.search(label)]
    preferred = [f for f in found if prefer and prefer in f[0]]
    return (preferred or found or [None])[0]


def find_gpu_step(report_glob: str,
                  prefer: str = '') -> Optional[Tuple[str, str, float]]:
    """The newest GPU report matching ``report_glob`` that holds a KGA-Net
    step (:func:`kga_step_from_report`).

    Returns:
        tuple[str, str, float] | None: Report path, entry label, seconds.
    """
    paths: List[str] = sorted(glob.glob(report_glob), key=osp.getmtime,
                              reverse=True)
    for path in paths:
        try:
            with open(path) as f:
                found = kga_step_from_report(json.load(f), prefer)
        except (OSError, ValueError):
            continue
        if found:
            return (path, ) + found
    return None


def gpu_rows(frames_per_iter: int, flops_per_frame: float,
             measured: Sequence[dict] = ()) -> List[dict]:
    """The GPU step times the projection uses: each ``measured`` row
    (``gpu``, ``step_s``, ``source``) first, then every
    :data:`ASSUMED_GPUS` figure turned into FLOP/s and a step time."""
    rows = [dict(row, kind='measured') for row in measured]
    for gpu in ASSUMED_GPUS:
        flops_per_s = sustained_flops(gpu['frames_per_s'], flops_per_frame)
        rows.append(dict(
            gpu=gpu['gpu'], kind='assumed', source=gpu['source'],
            frames_per_s=gpu['frames_per_s'],
            sustained_tflops=flops_per_s / 1e12,
            step_s=step_seconds(frames_per_iter, flops_per_frame,
                                flops_per_s)))
    return rows
