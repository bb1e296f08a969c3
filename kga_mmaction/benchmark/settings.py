"""What the benchmark measures at which size, and against which targets."""
from dataclasses import dataclass
from typing import Optional

from kga_mmaction.models.recognizers.inference_flags import \
    fast_frame_chunk_size

#: Training iterations of the paper's schedule (the projected wall time).
PAPER_ITERS = 8000

#: Upper bounds the report checks: KGA-Net / TSN time at 128 frames, the
#: fast paths' seconds at 128 frames and largest probability difference to
#: fp32, single-frame / replicated images in the training step, and the
#: int8 ONNX Runtime model / PyTorch eager fp32 at 128 frames.
TARGETS = dict(kga_over_tsn_t128=1.03, fast_t128_s=2.5, fast_prob_diff=0.01,
               single_over_replicated=0.6, ort_int8_over_eager_t128=0.4)


def sizes(quick: bool, device: str, train_size: Optional[int]) -> dict:
    """Input sizes of every section (``--quick``: tiny).

    Args:
        quick (bool): A few frames at 32x32, to show that the tool works;
            one agreement seed, since every seed's models are compiled
            anew (the ``--compile`` path, tens of seconds on a CPU).
        device (str): ``'cpu'`` or ``'cuda[:i]'``; CUDA gets the paper's
            224px training batch and a larger matmul.
        train_size (int, optional): Frame size of the train section;
            ``None`` for the default (224 on CUDA, 112 on CPU, 32 quick).

    Returns:
        dict: The sizes, as the report's ``sizes`` shows them.
    """
    cuda = device.startswith('cuda')
    if quick:
        return dict(frames=(2, 4), size=32, chunk=2, agreement_videos=2,
                    agreement_frames=4, agreement_seeds=(0,),
                    train_videos=2, train_images=2,
                    train_frames=4, train_size=train_size or 32,
                    data_batches=2, baseline_size=32, baseline_clips=1,
                    flops_batch=2, matmul=256, loader_videos=2,
                    loader_video_frames=4, loader_frame_size=(48, 64),
                    loader_images=4, loader_image_size=(40, 40),
                    loader_short_side=32, loader_batches=1, quick=True)
    # loader: BUSV's frames are about 600x800; BUSI's images about 500x600,
    # which the generator's BUSI sizes (0.85-1.3 x H, 0.9-1.6 x W of the
    # base) give on average from a base of 465x480; 64 frames per video,
    # so that a 3D clip (32 frames, 2 apart) decodes 32 distinct frames
    return dict(frames=(16, 128), size=224,
                chunk=fast_frame_chunk_size(device), agreement_videos=8,
                agreement_frames=16, agreement_seeds=(0, 1, 2),
                train_videos=8, train_images=8, train_frames=16,
                train_size=train_size or (224 if cuda else 112),
                data_batches=20, baseline_size=None, baseline_clips=None,
                flops_batch=32, matmul=8192 if cuda else 2048,
                loader_videos=8, loader_video_frames=64,
                loader_frame_size=(600, 800), loader_images=16,
                loader_image_size=(465, 480), loader_short_side=256,
                loader_batches=4, quick=False)


@dataclass
class BenchmarkContext:
    """What every section reads.

    Args:
        device (str): Where models run (``'cpu'``, ``'cuda'``).
        repeats (int): Timed repetitions.
        warmup (int): Untimed repetitions before them.
        sizes (dict): :func:`sizes`.
        data_root (str): Synthetic data root (``busv/`` and
            ``Dataset_BUSI_with_GT/``).
        train_size (int, optional): ``--train-size`` as given (``None``:
            the default of :func:`sizes`).
        gpu_step_s (float, optional): A measured GPU step at the paper
            batch (``--gpu-step-s``), for the loader projection.
        gpu_reports (str, optional): Glob of ``tools/gpu_check.py`` reports
            whose KGA-Net step the loader projection uses when
            ``gpu_step_s`` is not given; None: none.
    """

    device: str
    repeats: int
    warmup: int
    sizes: dict
    data_root: str
    train_size: Optional[int] = None
    gpu_step_s: Optional[float] = None
    gpu_reports: Optional[str] = None
