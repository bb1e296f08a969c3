"""Section ``deployment``: one video through ONNX Runtime, fp32 and int8,
next to PyTorch eager fp32 and ``--fast``.

The paper's KGA-Net (random weights) is exported with
:func:`~kga_mmaction.deployment.export_onnx` (checked against PyTorch, as
the tool does) and quantized with
:func:`~kga_mmaction.deployment.quantize_int8` (QDQ, per-channel weights),
calibrated on a few synthetic clips: the timings do not depend on the
weights or on the calibration. The four models run interleaved on the same
uint8 clip of ``sizes['frames'][-1]`` frames, PyTorch through
``test_step`` (preprocessing included), ONNX Runtime with as many threads
as torch uses, not spinning between calls (the normalisation is inside its
graph). Importing this
module imports no onnx: :func:`run` does.
"""
import os.path as osp
import shutil
import tempfile

import numpy as np
import torch

from ..builders import KGA_CONFIG, build_model, kga_model_cfg, predict_fn
from ..clips import VideoClips
from ..settings import TARGETS, BenchmarkContext
from ..timing import ratio, time_interleaved
from .inference import fast_variants

#: Clips (of ``agreement_frames`` frames) the int8 model calibrates on.
CALIBRATION_CLIPS = 4


def run(ctx: BenchmarkContext) -> dict:
    """Time the section (see the module docstring).

    Returns:
        dict: ``versions``, ``threads``, ``export_check`` (max differences
        of the fp32 export), ``float_operators`` of the int8 model,
        ``rows`` (one per model), ``ratios`` (each over PyTorch eager
        fp32), ``agreement`` (max probability difference to eager fp32 on
        the timed clip) and ``checks``.
    """
    if not ctx.device.startswith('cpu'):
        raise ValueError('the deployment section measures ONNX Runtime on '
                         'the CPU; run it with --device cpu')
    from kga_mmaction.deployment import (OnnxVideoModel, export_onnx,
                                         quantize_int8,
                                         require_deploy_packages)
    onnx, ort = require_deploy_packages()
    sz = ctx.sizes
    num_frames, size = sz['frames'][-1], sz['size']
    torch.manual_seed(0)
    eager = build_model(kga_model_cfg(), 'cpu')
    fast = build_model(kga_model_cfg(), 'cpu')
    fast.load_state_dict(eager.state_dict())
    fast.test_cfg = fast_variants('cpu', sz['chunk'])['kga_fast']
    clips = VideoClips(KGA_CONFIG, ctx.data_root)
    video = clips.clip(0, num_frames, size)
    threads = torch.get_num_threads()
    work = tempfile.mkdtemp(prefix='kga-bench-onnx-')
    try:
        fp32_path = osp.join(work, 'kga.onnx')
        checks = export_onnx(eager, fp32_path, (size, size),
                             ('benign', 'malignant'), 1,
                             max_frames=max(128, num_frames))
        int8_path = osp.join(work, 'kga-int8.onnx')
        floats = quantize_int8(fp32_path, int8_path, [
            clips.clip(i, sz['agreement_frames'], size).numpy()
            for i in range(CALIBRATION_CLIPS)])
        # no spinning: idle ONNX Runtime threads would take the cores
        # from the PyTorch call that follows
        ort_fp32 = OnnxVideoModel(fp32_path, threads, spin=False)
        ort_int8 = OnnxVideoModel(int8_path, threads, spin=False)
        frames = video.numpy()
        timings = time_interleaved(
            {'kga_fp32': predict_fn(eager, video),
             'kga_fast': predict_fn(fast, video),
             'ort_fp32': lambda: ort_fp32(frames),
             'ort_int8': lambda: ort_int8(frames)},
            ctx.repeats, ctx.warmup, 'cpu')
        reference = predict_fn(eager, video)().pred_score.numpy()
        agreement = {
            'kga_fast': predict_fn(fast, video)().pred_score.float().numpy(),
            'ort_fp32': ort_fp32(frames)['probabilities'],
            'ort_int8': ort_int8(frames)['probabilities']}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows = [dict(model=name, frames=num_frames, size=size, **timing)
            for name, timing in timings.items()]
    ratios = {f'{name}_over_kga_fp32': ratio(timings[name],
                                             timings['kga_fp32'])
              for name in timings if name != 'kga_fp32'}
    value = ratios['ort_int8_over_kga_fp32']['of_medians']
    target = TARGETS['ort_int8_over_eager_t128']
    return dict(
        versions=dict(onnx=onnx.__version__, onnxruntime=ort.__version__),
        threads=threads,
        export_check=[dict(name=c.name, frames=c.num_frames,
                           **c.max_abs_diff) for c in checks],
        float_operators=floats, rows=rows, ratios=ratios,
        agreement={k: float(np.abs(v - reference).max())
                   for k, v in agreement.items()},
        checks=dict(ort_int8_over_kga_fp32=dict(
            value=value, target=target, met=bool(value <= target))))
