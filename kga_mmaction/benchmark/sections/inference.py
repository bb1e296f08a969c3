"""Section ``inference``: one video through ``test_step``, preprocessing
included.

KGA-Net (paper config) against MMAction2's TSN with the same ResNet-50, and
KGA-Net's fast paths (``--fast``, ``--fast --compile``; compile time
reported apart), at every ``sizes['frames']``, the models interleaved. Next
to them: the lower bound the measured matmul peak puts on the backbone's
FLOPs, the fast paths' agreement with fp32
(:mod:`.inference_agreement`), and the targets of
:data:`~kga_mmaction.benchmark.settings.TARGETS`.
"""
import copy
import time
from typing import Dict, List

import torch

from kga_mmaction.models.recognizers.inference_flags import \
    inference_test_cfg
from kga_mmaction.utils.device import best_autocast_dtype
from ..builders import (KGA_CONFIG, build_model, kga_model_cfg, predict_fn,
                        test_batch, tsn_model_cfg)
from ..clips import VideoClips
from ..flops import backbone_flops_per_frame, matmul_peak
from ..settings import TARGETS, BenchmarkContext
from ..timing import ratio, time_interleaved
from .inference_agreement import synthetic_agreement, timed_video_agreement


def fast_variants(device: str, chunk: int) -> Dict[str, dict]:
    """The ``test_cfg`` of each fast path: ``--fast``, and ``--fast
    --compile``."""
    fast = inference_test_cfg(device, fast=True, frame_chunk_size=chunk)
    return dict(kga_fast=fast, kga_fast_compiled=dict(fast, compile=True))


def kga_and_fast_models(device: str, chunk: int, seed: int) -> tuple:
    """The paper's KGA-Net with random weights drawn from ``seed``, and a
    copy of it for every fast path."""
    torch.manual_seed(seed)
    kga = build_model(kga_model_cfg(), device)
    fast = {}
    for name, test_cfg in fast_variants(device, chunk).items():
        fast[name] = copy.deepcopy(kga)
        fast[name].test_cfg = test_cfg
    return kga, fast


def check_fast_path(fast: torch.nn.Module, video: torch.Tensor,
                    chunk: int) -> None:
    """Fail unless ``fast.test_cfg`` reaches the backbone (chunks of at most
    ``chunk`` frames), so that a recognizer that ignores it cannot pass
    for the fast path."""
    seen = []
    handle = fast.backbone.register_forward_pre_hook(
        lambda module, args: seen.append(args[0].shape[0]))
    try:
        predict_fn(fast, video)()
    finally:
        handle.remove()
    if max(seen) > chunk:
        raise RuntimeError(
            f'KGARecognizer ignored test_cfg={fast.test_cfg}: the backbone '
            f'saw {max(seen)} frames at once (chunk size {chunk}); its '
            'extract_feat must call fast_inference.embed_for_inference')


def fast_lower_bound(ctx: BenchmarkContext, flops: int,
                     num_frames: int) -> dict:
    """Seconds the backbone's FLOPs for ``num_frames`` frames take at this
    machine's measured matmul peak in the fast path's dtype: no fast path
    of this backbone can beat it."""
    dtype = best_autocast_dtype(ctx.device) or 'float32'
    peak = matmul_peak(ctx.device, ctx.sizes['matmul'],
                       getattr(torch, dtype), ctx.repeats, ctx.warmup)
    return dict(frames=num_frames, dtype=dtype,
                peak_gflops=peak['best_gflops'],
                seconds=flops * num_frames / peak['best_gflops'] / 1e9)


def inference_checks(rows: List[dict], ratios: dict, agreement: List[dict],
                     fast_names: List[str], last: int) -> dict:
    """The inference targets at ``last`` frames: KGA-Net / TSN, and each
    fast path's seconds and largest probability difference to fp32."""
    checks = dict(kga_over_tsn=dict(
        value=ratios[f'T{last}']['kga_over_tsn']['of_medians'],
        target=TARGETS['kga_over_tsn_t128']))
    for name in fast_names:
        seconds = [r['median_s'] for r in rows
                   if r['model'] == name and r['frames'] == last][0]
        checks[f'{name}_seconds'] = dict(value=seconds,
                                         target=TARGETS['fast_t128_s'])
        checks[f'{name}_max_prob_diff'] = dict(
            value=max(r['max_abs_prob_diff'] for r in agreement
                      if r['model'] == name),
            target=TARGETS['fast_prob_diff'])
    for check in checks.values():
        check['met'] = bool(check['value'] <= check['target'])
    return checks


def run(ctx: BenchmarkContext) -> dict:
    """Time the section (see the module docstring).

    Returns:
        dict: ``fast_test_cfgs``, ``backbone_flops_per_frame``,
        ``compile_s``, ``lower_bound``, ``rows`` (one per model and frame
        count, and the data preprocessor's), ``ratios``, ``agreement``,
        ``targets_at`` and ``checks``.
    """
    device, sz = ctx.device, ctx.sizes
    seed, *other_seeds = sz['agreement_seeds']
    kga, fast = kga_and_fast_models(device, sz['chunk'], seed)
    tsn = build_model(tsn_model_cfg(), device)
    flops = backbone_flops_per_frame(kga.backbone, sz['size'], device)
    rows, ratios, agreement, compile_s = [], {}, [], {}
    clips = VideoClips(KGA_CONFIG, ctx.data_root)
    check_fast_path(fast['kga_fast'],
                    clips.clip(0, sz['frames'][-1], sz['size']), sz['chunk'])
    for num_frames in sz['frames']:
        video = clips.clip(0, num_frames, sz['size'])
        # the first call of a compiled model compiles (once for every T)
        start = time.perf_counter()
        predict_fn(fast['kga_fast_compiled'], video)()
        compile_s[f'T{num_frames}'] = time.perf_counter() - start
        timings = time_interleaved(
            {'kga_fp32': predict_fn(kga, video),
             'tsn_fp32': predict_fn(tsn, video),
             **{name: predict_fn(model, video)
                for name, model in fast.items()}},
            ctx.repeats, ctx.warmup, device)
        for name, timing in timings.items():
            rows.append(dict(model=name, frames=num_frames, size=sz['size'],
                             frames_per_s=num_frames / timing['median_s'],
                             achieved_gflops=flops * num_frames /
                             timing['median_s'] / 1e9, **timing))
        ratios[f'T{num_frames}'] = dict(
            kga_over_tsn=ratio(timings['kga_fp32'], timings['tsn_fp32']),
            **{f'{name}_over_kga': ratio(timings[name], timings['kga_fp32'])
               for name in fast})
        agreement += timed_video_agreement(kga, fast, video, seed)
        pre = time_interleaved(
            {'preprocess': lambda: kga.data_preprocessor(
                test_batch(video), False)}, ctx.repeats, ctx.warmup,
            device)['preprocess']
        rows.append(dict(model='data_preprocessor', frames=num_frames,
                         size=sz['size'], **pre))
    agreement += synthetic_agreement(kga, fast, seed, clips, sz)
    del kga, fast, tsn
    for other in other_seeds:
        agreement += synthetic_agreement(
            *kga_and_fast_models(device, sz['chunk'], other), other, clips,
            sz)
    last = sz['frames'][-1]
    fast_cfgs = fast_variants(device, sz['chunk'])
    return dict(fast_test_cfgs=fast_cfgs,
                backbone_flops_per_frame=flops, compile_s=compile_s,
                lower_bound=fast_lower_bound(ctx, flops, last),
                rows=rows, ratios=ratios, agreement=agreement,
                targets_at=f'T{last}',
                checks=inference_checks(rows, ratios, agreement,
                                        list(fast_cfgs), last))
