"""Section ``flops``: the backbone's FLOPs per frame, its achieved FLOP/s in
fp32 NCHW, fp32 channels_last and bf16/fp16 autocast, next to the
machine's peak as *measured* by a large matmul in the same process (not a
vendor number)."""
import contextlib
import copy
from typing import Callable, Optional

import torch

from kga_mmaction.utils.device import best_autocast_dtype
from ..builders import build_model, kga_model_cfg
from ..flops import backbone_flops_per_frame, matmul_peak
from ..settings import BenchmarkContext
from ..timing import time_interleaved


def forward_fn(module: torch.nn.Module, x: torch.Tensor,
               dtype: Optional[str] = None) -> Callable[[], torch.Tensor]:
    """A forward pass without gradients, under ``dtype`` autocast if
    given."""
    dev_type = x.device.type

    def run():
        autocast = (torch.autocast(dev_type, dtype=getattr(torch, dtype))
                    if dtype else contextlib.nullcontext())
        with torch.no_grad(), autocast:
            return module(x)
    return run


def matmul_peaks(ctx: BenchmarkContext, autocast: Optional[str]) -> dict:
    """The measured matmul peak in float32 (without TF32 on CUDA) and in
    the autocast dtype, by dtype name."""
    device, n = ctx.device, ctx.sizes['matmul']
    old_tf32 = None
    if device.startswith('cuda'):  # fp32 peak without TF32
        old_tf32 = torch.backends.cuda.matmul.allow_tf32
        torch.backends.cuda.matmul.allow_tf32 = False
    peaks = {'float32': matmul_peak(device, n, torch.float32, ctx.repeats,
                                    ctx.warmup)}
    if old_tf32 is not None:
        torch.backends.cuda.matmul.allow_tf32 = old_tf32
    if autocast:
        peaks[autocast] = matmul_peak(device, n, getattr(torch, autocast),
                                      ctx.repeats, ctx.warmup)
    return peaks


def run(ctx: BenchmarkContext) -> dict:
    """Time the backbone on ``flops_batch`` frames in each mode.

    Returns:
        dict: The backbone, its FLOPs per frame, one row per mode, the
        matmul peaks and the autocast dtype.
    """
    device, sz = ctx.device, ctx.sizes
    kga = build_model(kga_model_cfg(), device)
    backbone = kga.backbone
    flops = backbone_flops_per_frame(backbone, sz['size'], device)
    batch = sz['flops_batch']
    frames = torch.randn(batch, 3, sz['size'], sz['size'], device=device)
    frames_cl = frames.contiguous(memory_format=torch.channels_last)
    backbone_cl = copy.deepcopy(backbone)
    backbone_cl.to(memory_format=torch.channels_last)
    autocast = best_autocast_dtype(device)
    fns = {'fp32_nchw': forward_fn(backbone, frames),
           'fp32_channels_last': forward_fn(backbone_cl, frames_cl)}
    if autocast:
        fns[f'{autocast}_channels_last'] = forward_fn(backbone_cl, frames_cl,
                                                      autocast)
    timings = time_interleaved(fns, ctx.repeats, ctx.warmup, device)
    peaks = matmul_peaks(ctx, autocast)
    rows = []
    for name, t in timings.items():
        dtype = name.split('_')[0].replace('fp32', 'float32')
        achieved = flops * batch / t['median_s'] / 1e9
        peak = peaks.get(dtype, {}).get('best_gflops')
        rows.append(dict(mode=name, frames=batch, size=sz['size'],
                         achieved_gflops=achieved, peak_gflops=peak,
                         fraction_of_peak=achieved / peak if peak else None,
                         **t))
    return dict(backbone=type(backbone).__name__,
                flops_per_frame=flops, gflops_per_frame=flops / 1e9,
                rows=rows, matmul_peaks=peaks,
                peak_note='peak = best of a large square matmul in this '
                'process (torch.mm), not a vendor figure',
                native_autocast_dtype=autocast)
