"""Data and command-line options shared by the Runner-level tests.

Every Runner-level test trains the CPU demo config on a miniature synthetic
BUSV + BUSI (``make_tiny_data``), with the data roots and single-process
data loading passed as ``--cfg-options`` (``cfg_options``).
``tiny_training_options`` shrinks the demo further (2+2 batches, 2 frames,
32x32) for the tests that run several trainings.
"""
import os
import os.path as osp
import socket
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

from kga_mmaction.synthetic import make_synthetic_datasets

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO = osp.join(ROOT, 'configs', 'demo',
                'kga-net_r18-half_1xb8-1x1x8-600it_synthetic.py')


def make_tiny_data(root: Path, per_class: int = 4,
                   frames: Tuple[int, int] = (6, 10),
                   size: int = 48) -> Path:
    """Synthetic BUSV and BUSI under ``root``: ``per_class`` benign and
    malignant videos of ``frames`` frames (8 by default: 6 train, 2 val)
    and images, ``size`` x ``size``."""
    make_synthetic_datasets(
        str(root),
        busv=dict(num_benign=per_class, num_malignant=per_class,
                  frames=frames, size=(size, size)),
        busi=dict(num_benign=per_class, num_malignant=per_class,
                  num_normal=0, size=(size, size)),
        progress=False)
    return root


def cfg_options(data_root: Path, max_iters: int) -> List[str]:
    """``--cfg-options`` for the demo config on ``make_tiny_data`` data:
    data roots, data loading in the main process, ``max_iters`` iterations,
    a checkpoint every 2 iterations and a log line every iteration."""
    busv, busi = data_root / 'busv', data_root / 'Dataset_BUSI_with_GT'
    return [
        '--cfg-options', f'train_dataloader.dataset.video.data_root={busv}',
        f'train_dataloader.dataset.image.data_root={busi}',
        f'val_dataloader.dataset.data_root={busv}',
        f'test_dataloader.dataset.data_root={busv}',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        f'train_cfg.max_iters={max_iters}',
        f'train_cfg.val_interval={max_iters}',
        'default_hooks.checkpoint.interval=2',
        'default_hooks.checkpoint.max_keep_ckpts=5',
        'default_hooks.logger.interval=1'
    ]


def tiny_training_options(frames: int = 2, size: int = 32, videos: int = 2,
                          images: int = 2) -> List[str]:
    """Further ``--cfg-options`` (to follow ``cfg_options``) that shrink the
    demo's training: ``videos`` + ``images`` per batch, ``frames`` frames per
    clip, ``size`` x ``size`` inputs. Indices refer to the demo's
    ``train_video_pipeline`` and ``train_image_pipeline``."""
    video = 'train_dataloader.dataset.video.pipeline'
    image = 'train_dataloader.dataset.image.pipeline'
    return [
        '--cfg-options', f'train_dataloader.batch_size={videos + images}',
        'train_dataloader.batch_sampler.video_fraction='
        f'{videos / (videos + images)}',
        f'{video}.0.num_clips={frames}', f'{video}.3.scale=({size},{size})',
        f'{image}.2.scale=({size},{size})'
    ]


def free_port() -> int:
    """A TCP port that is free on localhost right now."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def start_python(*args: str, threads: int = 1) -> subprocess.Popen:
    """Start ``python ARGS`` in the repository root on the CPU (GPUs hidden)
    with ``threads`` intra-op threads; collect it with ``finish``. The
    ``tests/`` folder is importable there (for test-only hooks)."""
    pythonpath = os.pathsep.join(
        p for p in (osp.join(ROOT, 'tests'), os.environ.get('PYTHONPATH'))
        if p)
    env = dict(os.environ, CUDA_VISIBLE_DEVICES='', PYTHONPATH=pythonpath,
               OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def finish(process: subprocess.Popen,
           timeout: int = 600) -> subprocess.CompletedProcess:
    """Wait for a ``start_python`` process; its result, whatever its exit
    status (killed after ``timeout`` seconds)."""
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
    return subprocess.CompletedProcess(process.args, process.returncode,
                                       stdout, stderr)


def run_python(*args: str, timeout: int = 600,
               threads: int = 1) -> subprocess.CompletedProcess:
    """Run ``python ARGS`` (see ``start_python``) to the end."""
    return finish(start_python(*args, threads=threads), timeout)


def output_tail(result: subprocess.CompletedProcess, chars: int = 3000) -> str:
    """The end of a finished run's stdout and stderr, for assertion messages.
    """
    return result.stdout[-chars:] + result.stderr[-chars:]
