"""Section ``memory``: peak memory of inference (fp32, chunked, fast,
compiled; TSN) and of the two training steps, each in a fresh process:
VmHWM on CPU, ``torch.cuda.max_memory_allocated`` on CUDA.

Each measurement (a *probe*) runs as ``python -m
kga_mmaction.benchmark.sections.memory PROBE CONTEXT`` (both JSON), which
prints ``PROBE <json>`` with the result.
"""
import json
import subprocess
import sys
from dataclasses import asdict
from typing import List

import torch
from mmengine.optim import build_optim_wrapper

from kga_mmaction.models.recognizers.inference_flags import \
    inference_test_cfg
from ..builders import (KGA_CONFIG, REPO_ROOT, build_model, kga_model_cfg,
                        load_cfg, predict_fn, tsn_model_cfg)
from ..clips import VideoClips, train_inputs
from ..host import peak_rss_mib, reset_peak_rss, rss_mib
from ..settings import BenchmarkContext
from ..timing import synchronize

#: The line of a probe's stdout that holds its result.
PROBE_PREFIX = 'PROBE '
#: Bytes per MiB.
MIB = 2**20
#: Characters of a failed probe's output kept in its row.
ERROR_TAIL = 500
#: The probes ``--quick`` runs (each is a fresh process, seconds of
#: imports): the fast path's inference and a training step.
QUICK_PROBES = (2, 5)


def memory_probes(sz: dict, device: str) -> List[dict]:
    """What the section measures (``--quick``: two of them)."""
    t = sz['frames'][-1]
    fast = inference_test_cfg(device, fast=True, frame_chunk_size=sz['chunk'])
    probes = [
        dict(name=f'kga_fp32_T{t}', kind='infer', model='kga', frames=t),
        dict(name=f'kga_chunk{sz["chunk"]}_fp32_T{t}', kind='infer',
             model='kga', frames=t,
             test_cfg=dict(max_testing_views=sz['chunk'])),
        dict(name=f'kga_fast_T{t}', kind='infer', model='kga', frames=t,
             test_cfg=fast),
        dict(name=f'tsn_fp32_T{t}', kind='infer', model='tsn', frames=t),
        dict(name=f'kga_fast_compiled_T{t}', kind='infer', model='kga',
             frames=t, test_cfg=dict(fast, compile=True)),
        dict(name='train_single_frame_images', kind='train',
             replicate=False),
        dict(name='train_replicated_images', kind='train', replicate=True),
    ]
    return [probes[i] for i in QUICK_PROBES] if sz['quick'] else probes


def run_probe(probe: dict, ctx: BenchmarkContext) -> dict:
    """One memory measurement, in this (fresh) process."""
    device, sz = ctx.device, ctx.sizes
    cuda = device.startswith('cuda')
    clips = VideoClips(KGA_CONFIG, ctx.data_root)
    if probe['kind'] == 'infer':
        model_cfg = kga_model_cfg() if probe['model'] == 'kga' else (
            tsn_model_cfg())
        model = build_model(model_cfg, device)
        if probe.get('test_cfg'):
            model.test_cfg = probe['test_cfg']
        run = predict_fn(model, clips.clip(0, probe['frames'], sz['size']))
        run()  # warm-up (compiling, for the compiled path): not measured
        peak_reset = reset_peak_rss()
    else:
        cfg = load_cfg(KGA_CONFIG)
        model = build_model(cfg.model, device, train=True)
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        batch = train_inputs(sz, clips, probe['replicate'])

        def run():
            return model.train_step(batch, optim_wrapper)
        peak_reset = None
    if cuda:
        synchronize(device)
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
    rss_before = rss_mib()
    run()
    synchronize(device)
    out = dict(name=probe['name'], rss_before_mib=rss_before,
               peak_rss_mib=peak_rss_mib(), peak_reset=peak_reset)
    out['peak_rss_growth_mib'] = out['peak_rss_mib'] - rss_before
    if cuda:
        out['cuda_peak_mib'] = torch.cuda.max_memory_allocated() / MIB
        out['cuda_peak_growth_mib'] = (torch.cuda.max_memory_allocated() -
                                       before) / MIB
    return out


def run(ctx: BenchmarkContext) -> dict:
    """Run every probe of :func:`memory_probes` in a fresh process.

    Returns:
        dict: ``method`` (what is measured), and one row per probe: its
        memory, or the ``error`` its process printed.
    """
    rows = []
    for probe in memory_probes(ctx.sizes, ctx.device):
        # __spec__.name: this module's dotted name, also under `-m`
        cmd = [sys.executable, '-m', __spec__.name, json.dumps(probe),
               json.dumps(asdict(ctx))]
        proc = subprocess.run(cmd, capture_output=True, text=True,
                              cwd=REPO_ROOT)
        lines = [ln for ln in proc.stdout.splitlines()
                 if ln.startswith(PROBE_PREFIX)]
        if proc.returncode == 0 and lines:
            rows.append(json.loads(lines[-1][len(PROBE_PREFIX):]))
        else:
            rows.append(dict(name=probe['name'],
                             error=(proc.stderr or proc.stdout)[-ERROR_TAIL:]))
    return dict(
        method=('peak resident set size (VmHWM) of a fresh process running '
                'one call, minus its resident size just before; inference '
                'after one unmeasured warm-up call (which compiles, for the '
                'compiled path), the peak reset in between'
                + ('; CUDA: torch.cuda.max_memory_allocated'
                   if ctx.device.startswith('cuda') else '')),
        rows=rows)


def main(argv: List[str]) -> None:
    """Run the probe ``argv[0]`` in the context ``argv[1]`` (both JSON) and
    print its result."""
    from mmaction.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    probe, context = (json.loads(arg) for arg in argv)
    result = run_probe(probe, BenchmarkContext(**context))
    print(PROBE_PREFIX + json.dumps(result))


if __name__ == '__main__':
    main(sys.argv[1:])
