"""Benchmark KGA-Net: inference, baselines, training, data, memory, FLOP/s.

``python tools/benchmark.py [--device cpu|cuda] [--repeats 5] [--warmup 1]
[--sections inference,baselines,train,data,memory,flops] [--skip baselines]
[--quick] [--out-dir benchmarks] [--name NAME] [--data-root DIR]
[--train-size PX]``

Everything runs in one process on the same inputs (peak memory: one fresh
subprocess per measurement), several repetitions after warm-up, and is
reported as median with IQR and min/max, plus the ratios, in
``<out-dir>/<name>.md`` and ``<name>.json`` (``name`` defaults to the host
kind, e.g. ``cpu-2core`` or ``cuda-nvidia-h100-80gb-hbm3``). Models have
random weights (``pretrained=None``, ``load_from=None``): speed does not
depend on them. Models compared with each other run interleaved (A, B, A,
B, ...), so that load from other processes hits both alike.

Sections:

* ``inference`` -- one video of T = 16 and 128 frames at 224x224
  (``test_step`` from uint8 frames, preprocessing included): KGA-Net (paper
  config) vs MMAction2's TSN with the same ResNet-50 (target: KGA/TSN <=
  1.03 at T = 128), and KGA-Net's fast paths, ``--fast`` and ``--fast
  --compile`` (target: 128 frames <= 2.5 s; compile time reported apart),
  next to the lower bound that the machine's measured matmul peak puts on
  the backbone's FLOPs. Agreement of the fast paths with fp32: the
  features, attention weights and probabilities of the timed videos, and
  the probabilities and AUCs of 8 synthetic videos under random weights
  from 3 seeds, with the random classifier as built and with a
  nearest-centroid one fitted to the fp32 features (probabilities over
  ~0.1-0.9, where they are most sensitive).
* ``baselines`` -- every config in ``configs/baselines/`` on one test clip
  of its own test pipeline's shape (clips x crops x frames x size); a config
  that fails to build or run is reported with its error.
* ``train`` -- one training step (``train_step``: forward, losses,
  backward, optimizer) on the paper's mixed batch, 8 clips of 16 frames + 8
  images: images as single frames vs replicated to 16 frames (target:
  <= 0.6x); and the projected wall time of the paper's 8,000 iterations.
  At 224x224 on CUDA; on CPU at ``--train-size`` (default 112: at 224 the
  replicated batch needs more memory than a small machine has).
* ``data`` -- the demo config's training dataloader on the synthetic data
  (``--data-root``, default ``data/synthetic``, else generated into a temp
  dir): samples/s with 0 and 2 workers, next to the demo model's
  consumption (training iterations/s x batch size).
* ``memory`` -- peak memory of inference (fp32, chunked, fast; TSN) and of
  the two training steps, each in a fresh subprocess: VmHWM on CPU,
  ``torch.cuda.max_memory_allocated`` on CUDA.
* ``flops`` -- the backbone's FLOPs per frame
  (:class:`torch.utils.flop_counter.FlopCounterMode`), its achieved FLOP/s
  in fp32 NCHW, fp32 channels_last and bf16/fp16 autocast, next to the
  machine's peak as *measured* by a large matmul in the same process (not a
  vendor number).

``--quick`` shrinks every size (a few frames at 32x32) so that the whole
tool runs in about a minute; its numbers only show that it works.
"""
import argparse
import contextlib
import copy
import glob
import importlib
import json
import os
import os.path as osp
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from typing import Callable, Dict, List, Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.config import Config

import kga_mmaction  # noqa: F401  (registers the plugin)
from kga_mmaction.models.recognizers.fast_inference import (
    best_autocast_dtype, cpu_supports_bf16, fast_frame_chunk_size,
    inference_test_cfg)

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
KGA_CONFIG = osp.join(ROOT, 'configs', 'kga_net',
                      'kga-net_r50-in1k-pre_1xb16-1x1x16-8k_busv-busi.py')
TSN_CONFIG = (
    'mmaction::recognition/tsn/'
    'tsn_imagenet-pretrained-r50_8xb32-1x1x3-100e_kinetics400-rgb.py')
DEMO_CONFIG = osp.join(ROOT, 'configs', 'demo',
                       'kga-net_r18-half_1xb8-1x1x8-600it_synthetic.py')
BASELINE_GLOB = osp.join(ROOT, 'configs', 'baselines', '*.py')
DEFAULT_DATA_ROOT = osp.join(ROOT, 'data', 'synthetic')
SECTIONS = ('inference', 'baselines', 'train', 'data', 'memory', 'flops')
PAPER_ITERS = 8000
TARGETS = dict(kga_over_tsn_t128=1.03, fast_t128_s=2.5, fast_prob_diff=0.01,
               single_over_replicated=0.6)
MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]


# ---------------------------------------------------------------------------
# Sizes
# ---------------------------------------------------------------------------
def sizes(quick: bool, device: str, train_size: Optional[int]) -> dict:
    """Input sizes of every section (``--quick``: tiny)."""
    cuda = device.startswith('cuda')
    if quick:
        return dict(frames=(2, 4), size=32, chunk=2, agreement_videos=2,
                    agreement_frames=4, agreement_seeds=(0, 1),
                    train_videos=2, train_images=2,
                    train_frames=4, train_size=train_size or 32,
                    data_batches=2, baseline_size=32, baseline_clips=1,
                    flops_batch=2, matmul=256, quick=True)
    return dict(frames=(16, 128), size=224,
                chunk=fast_frame_chunk_size(device), agreement_videos=8,
                agreement_frames=16, agreement_seeds=(0, 1, 2),
                train_videos=8, train_images=8, train_frames=16,
                train_size=train_size or (224 if cuda else 112),
                data_batches=20, baseline_size=None, baseline_clips=None,
                flops_batch=32, matmul=8192 if cuda else 2048, quick=False)


# ---------------------------------------------------------------------------
# Timing and statistics
# ---------------------------------------------------------------------------
def synchronize(device: str) -> None:
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def summarize(times: Sequence[float]) -> dict:
    """Median, quartiles and range of repeated timings, in seconds."""
    arr = np.asarray(times, dtype=np.float64)
    q1, q3 = np.percentile(arr, [25, 75])
    return dict(median_s=float(np.median(arr)), q1_s=float(q1),
                q3_s=float(q3), min_s=float(arr.min()),
                max_s=float(arr.max()), n=int(arr.size),
                times_s=[float(t) for t in arr])


def time_interleaved(fns: Dict[str, Callable[[], object]], repeats: int,
                     warmup: int, device: str) -> Dict[str, dict]:
    """Time several functions round-robin: warm-up rounds, then
    ``repeats`` rounds of one call each, in turn (the order reversed every
    other round, so that a drifting machine load evens out)."""
    times: Dict[str, List[float]] = {name: [] for name in fns}
    order = list(fns.items())
    for round_ in range(warmup + repeats):
        for name, fn in (order if round_ % 2 == 0 else order[::-1]):
            synchronize(device)
            start = time.perf_counter()
            fn()
            synchronize(device)
            if round_ >= warmup:
                times[name].append(time.perf_counter() - start)
    return {name: summarize(t) for name, t in times.items()}


def ratio(a: dict, b: dict) -> dict:
    """``a / b`` of two timings: of the medians, and the median (and range)
    of the per-round ratios (rounds were interleaved)."""
    pairs = [x / y for x, y in zip(a['times_s'], b['times_s'])]
    return dict(of_medians=a['median_s'] / b['median_s'],
                paired_median=float(np.median(pairs)),
                paired_min=float(min(pairs)), paired_max=float(max(pairs)))


# ---------------------------------------------------------------------------
# Host, memory
# ---------------------------------------------------------------------------
def host_kind(device: str) -> str:
    """``cpu-2core``, ``cuda-nvidia-h100-80gb-hbm3``, ..."""
    if device.startswith('cuda'):
        name = torch.cuda.get_device_name(torch.device(device))
        return 'cuda-' + re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')
    return f'cpu-{os.cpu_count()}core'


def cpu_name() -> str:
    get = getattr(torch.cpu, 'get_capabilities', None)
    if get is not None:
        return str(get().get('cpu_name', platform.processor()))
    return platform.processor() or 'unknown'


def host_info(device: str) -> dict:
    info = dict(
        kind=host_kind(device), device=device, hostname=platform.node(),
        cpu=cpu_name(), cpu_count=os.cpu_count(),
        torch_threads=torch.get_num_threads(), torch=torch.__version__,
        python=platform.python_version(),
        cpu_native_bf16=cpu_supports_bf16(),
        fast_autocast_dtype=best_autocast_dtype(device),
        load_average=list(os.getloadavg()) if hasattr(os, 'getloadavg')
        else None)
    if device.startswith('cuda'):  # fp32 rows use these defaults
        info.update(gpu=torch.cuda.get_device_name(torch.device(device)),
                    cudnn_allow_tf32=torch.backends.cudnn.allow_tf32,
                    matmul_allow_tf32=torch.backends.cuda.matmul.allow_tf32)
    try:
        import mmaction
        import mmengine
        info.update(mmaction=mmaction.__version__,
                    mmengine=mmengine.__version__)
    except ImportError:  # pragma: no cover
        pass
    return info


def proc_status_kib(key: str) -> Optional[int]:
    """A ``/proc/self/status`` field (``VmRSS``, ``VmHWM``) in KiB."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(key + ':'):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far."""
    hwm = proc_status_kib('VmHWM')
    if hwm is not None:
        return hwm / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Reset this process's VmHWM to its current resident size (Linux
    ``/proc/self/clear_refs``); False where that is not possible."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        return True
    except OSError:
        return False


def rss_mib() -> float:
    rss = proc_status_kib('VmRSS')
    return rss / 1024 if rss is not None else float('nan')


# ---------------------------------------------------------------------------
# Models and inputs
# ---------------------------------------------------------------------------
def resolve_config(path: str) -> str:
    """A config file path; ``package::rel/path.py`` is looked up in the
    installed package's ``.mim/configs`` (as ``_base_`` does)."""
    if '::' not in path:
        return path
    package, rel = path.split('::', 1)
    module = importlib.import_module(package)
    candidate = osp.join(osp.dirname(module.__file__), '.mim', 'configs', rel)
    if not osp.isfile(candidate):
        raise FileNotFoundError(f'{path}: no {candidate}')
    return candidate


def load_cfg(path: str) -> Config:
    """A config with every pretrained checkpoint dropped."""
    cfg = Config.fromfile(resolve_config(path))
    no_pretrained(cfg.model)
    cfg.load_from = None
    return cfg


def no_pretrained(model_cfg) -> None:
    """Drop every ``pretrained`` URL/path in a model config (no download)."""
    if isinstance(model_cfg, dict):
        for key, value in model_cfg.items():
            if key in ('pretrained', 'pretrained2d') and isinstance(
                    value, (str, bool)):
                model_cfg[key] = None if key == 'pretrained' else False
            else:
                no_pretrained(value)
    elif isinstance(model_cfg, (list, tuple)):
        for item in model_cfg:
            no_pretrained(item)


def build_model(model_cfg, device: str, train: bool = False):
    from mmaction.registry import MODELS
    model = MODELS.build(copy.deepcopy(model_cfg)).to(device)
    model.train(train)
    return model


def kga_model_cfg():
    return load_cfg(KGA_CONFIG).model


def tsn_model_cfg():
    cfg = load_cfg(TSN_CONFIG)
    cfg.model.cls_head.num_classes = 2
    return cfg.model


def video_dirs(data_root: str) -> List[tuple]:
    """``(folder, label)`` of the synthetic BUSV videos, classes
    alternating."""
    per_class = []
    for label, cls in enumerate(('benign', 'malignant')):
        per_class.append(sorted(
            glob.glob(osp.join(data_root, 'busv', 'rawframes', cls, '*'))))
    out = []
    for pair in zip(*per_class):
        out += [(pair[0], 0), (pair[1], 1)]
    return out


def load_video(folder: str, num_frames: int, size: int) -> torch.Tensor:
    """``num_frames`` frames of a frame folder (spread over it, repeated
    when it is shorter), resized: uint8 ``[T, 3, size, size]``."""
    files = sorted(glob.glob(osp.join(folder, '*.png')))
    inds = np.linspace(0, len(files) - 1, num_frames).round().astype(int)
    cache = {}
    frames = []
    for i in inds:
        if i not in cache:
            img = cv2.cvtColor(cv2.imread(files[i]), cv2.COLOR_BGR2RGB)
            cache[i] = cv2.resize(img, (size, size),
                                  interpolation=cv2.INTER_LINEAR)
        frames.append(cache[i])
    # [T, H, W, 3] -> [T, 3, H, W]
    return torch.from_numpy(np.stack(frames)).permute(0, 3, 1, 2).contiguous()


def test_batch(video: torch.Tensor) -> dict:
    """What the test dataloader gives ``test_step`` for one video."""
    from mmaction.structures import ActionDataSample
    return dict(inputs=[video], data_samples=[ActionDataSample()])


def train_batch(videos: Sequence[torch.Tensor],
                images: Sequence[torch.Tensor]) -> dict:
    """A mixed batch: video clips, then images (``source='image'``)."""
    from mmaction.structures import ActionDataSample
    inputs, samples = [], []
    for i, clip in enumerate(list(videos) + list(images)):
        sample = ActionDataSample()
        sample.set_gt_label(i % 2)
        if i >= len(videos):
            sample.set_metainfo(dict(source='image'))
        inputs.append(clip)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def predict_fn(model, video: torch.Tensor) -> Callable[[], object]:
    def run():
        with torch.no_grad():
            return model.test_step(test_batch(video))[0]
    return run


def ensure_data_root(path: Optional[str], quick: bool) -> tuple:
    """A synthetic data root (``busv/`` + ``Dataset_BUSI_with_GT/``): the
    given or default one, or a new one in a temp dir (removed at exit)."""
    from kga_mmaction.datasets.validation import BUSI_FOLDER as BUSI_DIRNAME
    from kga_mmaction.synthetic import BUSV_DIRNAME, make_synthetic_datasets
    path = path or DEFAULT_DATA_ROOT
    if (osp.isdir(osp.join(path, BUSV_DIRNAME))
            and osp.isdir(osp.join(path, BUSI_DIRNAME))):
        return path, None
    tmp = tempfile.mkdtemp(prefix='kga-benchmark-')
    out = osp.join(tmp, 'synthetic')
    if quick:
        busv = dict(num_benign=6, num_malignant=6, frames=(8, 10),
                    size=(32, 32))
        busi = dict(num_benign=8, num_malignant=8, num_normal=0,
                    size=(32, 32))
    else:
        busv = dict(num_benign=8, num_malignant=8)
        busi = dict(num_benign=16, num_malignant=16, num_normal=0)
    make_synthetic_datasets(out, busv=busv, busi=busi, progress=False)
    return out, tmp


# ---------------------------------------------------------------------------
# FLOPs
# ---------------------------------------------------------------------------
_FLOPS_CACHE: Dict[tuple, int] = {}


def backbone_flops_per_frame(backbone, size: int, device: str) -> int:
    """FLOPs (2 x multiply-adds) of one frame through the backbone."""
    key = (type(backbone).__name__, size)
    if key not in _FLOPS_CACHE:
        from torch.utils.flop_counter import FlopCounterMode
        counter = FlopCounterMode(display=False)
        with torch.no_grad(), counter:
            backbone(torch.zeros(1, 3, size, size, device=device))
        _FLOPS_CACHE[key] = int(counter.get_total_flops())
    return _FLOPS_CACHE[key]


# ---------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------
def fit_classifier(model, videos: Sequence[torch.Tensor],
                   labels: Sequence[int]) -> float:
    """Replace the random video classifier by a nearest-centroid one fitted
    on the fp32 video features ``F_V`` of ``videos``: direction = mean
    malignant ``F_V`` minus mean benign ``F_V``, scaled and shifted so that
    the logit margins have mean 0 and std 2 (probabilities over ~0.1-0.9,
    where they are most sensitive to feature errors). A random classifier
    leaves the probabilities saturated or all near 0.5 instead; this one,
    like a trained one, points where the videos differ.

    Returns:
        float: The scale applied to the centroid direction.
    """
    fc = model.cls_head.fc_cls
    video_feats = []
    handle = fc.register_forward_pre_hook(
        lambda module, args: video_feats.append(args[0].detach()))
    try:
        with torch.no_grad():
            for video in videos:
                data = model.data_preprocessor(test_batch(video), False)
                model(**data, mode='tensor')
    finally:
        handle.remove()
    feats = torch.cat(video_feats).double()  # [N, C]
    labels = torch.as_tensor(labels, device=feats.device)
    direction = feats[labels == 1].mean(0) - feats[labels == 0].mean(0)
    margins = feats @ direction
    scale = 2 / margins.std().clamp_min(1e-12)
    with torch.no_grad():
        fc.weight.zero_()
        fc.bias.zero_()
        fc.weight[1] = (scale * direction).to(fc.weight.dtype)
        fc.bias[1] = float(-scale * margins.mean())
    return float(scale)


def malignant_probs(model, videos) -> np.ndarray:
    return np.array([
        float(predict_fn(model, v)().pred_score[1]) for v in videos])


def fast_variants(device: str, chunk: int) -> Dict[str, dict]:
    """The fast paths the inference section times: ``--fast``, and
    ``--fast --compile``."""
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


def run_inference(ctx: dict) -> dict:
    device, sz = ctx['device'], ctx['sizes']
    seed, *other_seeds = sz['agreement_seeds']
    kga, fast = kga_and_fast_models(device, sz['chunk'], seed)
    tsn = build_model(tsn_model_cfg(), device)
    flops = backbone_flops_per_frame(kga.backbone, sz['size'], device)
    rows, ratios, agreement, compile_s = [], {}, [], {}
    folder = video_dirs(ctx['data_root'])[0][0]
    check_fast_path(fast['kga_fast'],
                    load_video(folder, sz['frames'][-1], sz['size']),
                    sz['chunk'])
    for num_frames in sz['frames']:
        video = load_video(folder, num_frames, sz['size'])
        # the first call of a compiled model compiles (once for every T)
        start = time.perf_counter()
        predict_fn(fast['kga_fast_compiled'], video)()
        compile_s[f'T{num_frames}'] = time.perf_counter() - start
        timings = time_interleaved(
            {'kga_fp32': predict_fn(kga, video),
             'tsn_fp32': predict_fn(tsn, video),
             **{name: predict_fn(model, video)
                for name, model in fast.items()}},
            ctx['repeats'], ctx['warmup'], device)
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
                test_batch(video), False)}, ctx['repeats'], ctx['warmup'],
            device)['preprocess']
        rows.append(dict(model='data_preprocessor', frames=num_frames,
                         size=sz['size'], **pre))
    agreement += synthetic_agreement(kga, fast, seed, ctx['data_root'], sz)
    del kga, fast, tsn
    for other in other_seeds:
        agreement += synthetic_agreement(
            *kga_and_fast_models(device, sz['chunk'], other), other,
            ctx['data_root'], sz)
    last = sz['frames'][-1]
    fast_cfgs = fast_variants(device, sz['chunk'])
    checks = dict(kga_over_tsn=dict(
        value=ratios[f'T{last}']['kga_over_tsn']['of_medians'],
        target=TARGETS['kga_over_tsn_t128']))
    for name in fast_cfgs:
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
    return dict(fast_test_cfgs=fast_cfgs,
                backbone_flops_per_frame=flops, compile_s=compile_s,
                lower_bound=fast_lower_bound(ctx, flops, last),
                rows=rows, ratios=ratios, agreement=agreement,
                targets_at=f'T{last}', checks=checks)


def timed_video_agreement(kga, fast: Dict[str, object],
                          video: torch.Tensor, seed: int) -> List[dict]:
    """Each fast path vs fp32 on one video: probabilities, attention
    weights and the features' relative error."""
    data = kga.data_preprocessor(test_batch(video), False)
    ref = predict_fn(kga, video)()
    with torch.no_grad():
        feats = kga.embed(data['inputs']['video'][0])  # [T, C']
    rows = []
    for name, model in fast.items():
        out = predict_fn(model, video)()
        with torch.no_grad():
            feats_fast = model.extract_feat(
                data['inputs'], test_mode=True)[0]['video'][0]
        rows.append(dict(
            model=name, seed=seed, videos=1, frames=video.shape[0],
            classifier='as built',
            max_abs_prob_diff=float(
                (out.pred_score - ref.pred_score).abs().max()),
            max_abs_weight_diff=float(
                (out.frame_weights - ref.frame_weights).abs().max()),
            feature_rel_error=float(
                (feats_fast - feats).norm() / feats.norm())))
    return rows


def fast_lower_bound(ctx: dict, flops: int, num_frames: int) -> dict:
    """Seconds the backbone's FLOPs for ``num_frames`` frames take at this
    machine's measured matmul peak in the fast path's dtype: no fast path
    of this backbone can beat it."""
    device, sz = ctx['device'], ctx['sizes']
    dtype = best_autocast_dtype(device) or 'float32'
    peak = matmul_peak(device, sz['matmul'], getattr(torch, dtype),
                       ctx['repeats'], ctx['warmup'])
    return dict(frames=num_frames, dtype=dtype,
                peak_gflops=peak['best_gflops'],
                seconds=flops * num_frames / peak['best_gflops'] / 1e9)


def check_fast_path(fast, video: torch.Tensor, chunk: int) -> None:
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


def synthetic_agreement(kga, fast: Dict[str, object], seed: int,
                        data_root: str, sz: dict) -> List[dict]:
    """Each fast path vs fp32 on synthetic videos: the probabilities' largest
    difference and the AUCs, with the random classifier as built and with
    one fitted to the videos (:func:`fit_classifier`)."""
    from sklearn.metrics import roc_auc_score
    pairs = video_dirs(data_root)[:sz['agreement_videos']]
    videos = [load_video(folder, sz['agreement_frames'], sz['size'])
              for folder, _ in pairs]
    labels = [label for _, label in pairs]

    def auc(probs):
        if len(set(labels)) < 2:
            return None
        return float(roc_auc_score(labels, probs))

    rows = []
    for classifier in ('as built', 'fitted'):
        scale = None
        if classifier == 'fitted':
            kga = copy.deepcopy(kga)
            scale = fit_classifier(kga, videos, labels)
        p32 = malignant_probs(kga, videos)
        for name, model in fast.items():
            if classifier == 'fitted':
                model = copy.deepcopy(model)
                model.cls_head.load_state_dict(kga.cls_head.state_dict())
            pfast = malignant_probs(model, videos)
            rows.append(dict(
                model=name, seed=seed, videos=len(videos),
                frames=sz['agreement_frames'], classifier=classifier,
                fitted_scale=scale,
                max_abs_prob_diff=float(np.abs(pfast - p32).max()),
                auc_fp32=auc(p32), auc_fast=auc(pfast),
                fp32_probs=p32.tolist(), fast_probs=pfast.tolist()))
    return rows


def baseline_clip_shape(cfg: Config, sz: dict) -> dict:
    """Input shape of one test sample of a config's test pipeline."""
    pipeline = cfg.test_dataloader.dataset.pipeline
    clip_len, num_clips, crops, size, fmt = 1, 1, 1, None, 'NCHW'
    for t in pipeline:
        kind = t['type']
        if kind in ('SampleFrames', 'UniformSample', 'DenseSampleFrames'):
            clip_len = t.get('clip_len', 1)
            num_clips = t.get('num_clips', 1)
        elif kind == 'SampleUpToFrames':
            num_clips = t.get('max_frames', 128)
        elif kind in ('CenterCrop', 'ThreeCrop', 'TenCrop'):
            crop = t['crop_size']
            size = crop if isinstance(crop, int) else crop[0]
            crops = dict(CenterCrop=1, ThreeCrop=3, TenCrop=10)[kind]
        elif kind == 'Resize' and size is None and not t.get(
                'keep_ratio', True):
            scale = t['scale']
            size = scale if isinstance(scale, int) else scale[0]
        elif kind == 'FormatShape':
            fmt = t['input_format']
    if sz['baseline_size']:
        size, num_clips, crops = sz['baseline_size'], sz[
            'baseline_clips'], 1
    size = size or 224
    views = num_clips * crops
    shape = ([views, 3, clip_len, size, size] if fmt.startswith('NCT') else
             [views * clip_len, 3, size, size])
    return dict(clip_len=clip_len, num_clips=num_clips, crops=crops,
                size=size, input_format=fmt, input_shape=shape)


def run_baselines(ctx: dict) -> dict:
    device, sz = ctx['device'], ctx['sizes']
    configs = sorted(glob.glob(BASELINE_GLOB))
    rows = []
    for path in configs:
        row = dict(config=osp.relpath(path, ROOT))
        try:
            cfg = load_cfg(path)
            shape = baseline_clip_shape(cfg, sz)
            row.update(shape)
            model = build_model(cfg.model, device)
            row['model'] = type(model).__name__
            row['params_m'] = sum(p.numel()
                                  for p in model.parameters()) / 1e6
            clip = torch.randint(0, 256, shape['input_shape'],
                                 dtype=torch.uint8)
            row.update(time_interleaved(
                {'x': predict_fn(model, clip)}, ctx['repeats'],
                ctx['warmup'], device)['x'])
            frames = shape['clip_len'] * shape['num_clips'] * shape['crops']
            row['frames_per_s'] = frames / row['median_s']
            del model
        except Exception as err:  # noqa: BLE001  (reported, not fatal)
            row['error'] = f'{type(err).__name__}: {err}'[:500]
        rows.append(row)
    return dict(configs_found=len(configs), rows=rows)


def train_inputs(sz: dict, data_root: str, replicate: bool) -> dict:
    num_frames, size = sz['train_frames'], sz['train_size']
    pairs = video_dirs(data_root)
    videos = [load_video(pairs[i % len(pairs)][0], num_frames, size)
              for i in range(sz['train_videos'])]
    images = [load_video(pairs[i % len(pairs)][0], 1, size)
              for i in range(sz['train_images'])]
    if replicate:  # [1, 3, H, W] -> [T, 3, H, W]
        images = [img.expand(num_frames, -1, -1, -1).contiguous()
                  for img in images]
    return train_batch(videos, images)


def train_step_fn(model, optim_wrapper, batch, state) -> Callable:
    def run():
        model.load_state_dict(state)  # every step starts from the same
        return model.train_step(copy.copy(batch), optim_wrapper)
    return run


def run_train(ctx: dict) -> dict:
    from mmengine.optim import build_optim_wrapper
    device, sz = ctx['device'], ctx['sizes']
    cfg = load_cfg(KGA_CONFIG)
    fns, models = {}, {}
    for name, replicate in (('single_frame_images', False),
                            ('replicated_images', True)):
        model = build_model(cfg.model, device, train=True)
        optim_wrapper = build_optim_wrapper(model, copy.deepcopy(
            cfg.optim_wrapper))
        batch = train_inputs(sz, ctx['data_root'], replicate)
        state = copy.deepcopy(model.state_dict())
        models[name] = model
        fns[name] = train_step_fn(model, optim_wrapper, batch, state)
    timings = time_interleaved(fns, ctx['repeats'], ctx['warmup'], device)
    # restoring the weights is part of each timed call; time it alone
    model = models['single_frame_images']
    state = copy.deepcopy(model.state_dict())
    restore = time_interleaved({'x': lambda: model.load_state_dict(state)},
                               ctx['repeats'], 0, device)['x']
    frames = dict(
        single_frame_images=sz['train_videos'] * sz['train_frames'] +
        sz['train_images'],
        replicated_images=(sz['train_videos'] + sz['train_images']) *
        sz['train_frames'])
    rows = [dict(batch=name, frames=frames[name], **t)
            for name, t in timings.items()]
    r = ratio(timings['single_frame_images'], timings['replicated_images'])
    step = timings['single_frame_images']['median_s']
    return dict(
        videos=sz['train_videos'], images=sz['train_images'],
        frames_per_clip=sz['train_frames'], size=sz['train_size'],
        rows=rows, single_over_replicated=r,
        weight_restore_s=restore['median_s'],
        projected_paper_schedule=dict(
            iterations=PAPER_ITERS, step_s=step,
            hours=PAPER_ITERS * step / 3600, device=device,
            note=('paper batch at 224x224' if sz['train_size'] == 224 else
                  f'at {sz["train_size"]}x{sz["train_size"]}, not the '
                  "paper's 224x224")),
        checks=dict(single_over_replicated=dict(
            value=r['of_medians'], target=TARGETS['single_over_replicated'],
            met=bool(r['of_medians'] <= TARGETS['single_over_replicated']))))


def demo_cfg(data_root: str) -> Config:
    from kga_mmaction.datasets.validation import BUSI_FOLDER as BUSI_DIRNAME
    from kga_mmaction.synthetic import BUSV_DIRNAME
    cfg = load_cfg(DEMO_CONFIG)
    dataset = cfg.train_dataloader.dataset
    dataset.video.data_root = osp.join(data_root, BUSV_DIRNAME)
    dataset.image.data_root = osp.join(data_root, BUSI_DIRNAME)
    return cfg


def run_data(ctx: dict) -> dict:
    from mmengine.optim import build_optim_wrapper
    from mmengine.runner import Runner
    device, sz = ctx['device'], ctx['sizes']
    cfg = demo_cfg(ctx['data_root'])
    batch_size = cfg.train_dataloader.batch_size
    num_batches = sz['data_batches']
    rows = []
    first_batch = None
    for workers in (0, 2):
        loader_cfg = copy.deepcopy(cfg.train_dataloader)
        loader_cfg.num_workers = workers
        loader_cfg.persistent_workers = False
        loader = Runner.build_dataloader(loader_cfg, seed=0)
        times, timed_batches = [], []
        for _ in range(ctx['repeats']):
            it = iter(loader)
            batch = next(it)  # worker start-up and first batch: untimed
            first_batch = first_batch or batch
            start = time.perf_counter()
            samples = batches = 0
            for batch in it:  # within one epoch: no worker restarts
                samples += len(batch['inputs'])
                batches += 1
                if batches == num_batches:
                    break
            elapsed = time.perf_counter() - start
            del it
            if batches:
                times.append(elapsed / samples)
                timed_batches.append(batches)
        if not times:
            raise RuntimeError(f'an epoch of the demo dataloader on '
                               f'{ctx["data_root"]} has a single batch: '
                               'too little data to time')
        t = summarize(times)
        rows.append(dict(workers=workers, batches=timed_batches,
                         seconds_per_sample=t,
                         samples_per_s=1 / t['median_s']))
    model = build_model(cfg.model, device, train=True)
    optim_wrapper = build_optim_wrapper(model, copy.deepcopy(
        cfg.optim_wrapper))
    step = time_interleaved(
        {'x': lambda: model.train_step(copy.copy(first_batch),
                                       optim_wrapper)},
        ctx['repeats'], ctx['warmup'], device)['x']
    consumption = batch_size / step['median_s']
    for row in rows:
        row['pipeline_over_consumption'] = row['samples_per_s'] / consumption
    return dict(config=osp.relpath(DEMO_CONFIG, ROOT),
                data_root=ctx['data_root'], batch_size=batch_size, rows=rows,
                model_step=step, model_iters_per_s=1 / step['median_s'],
                model_samples_per_s=consumption,
                note='the workers share the CPU with nothing else here; '
                'while training, they share it with the model')


# ---------------------------------------------------------------------------
# Memory (one subprocess per probe)
# ---------------------------------------------------------------------------
def memory_probes(sz: dict, device: str) -> List[dict]:
    """What the memory section measures (``--quick``: three of them)."""
    t = sz['frames'][-1]
    fast = inference_test_cfg(device, fast=True, frame_chunk_size=sz['chunk'])
    probes = [
        dict(name=f'kga_fp32_T{t}', kind='infer', model='kga', frames=t),
        dict(name=f'kga_chunk{sz["chunk"]}_fp32_T{t}', kind='infer',
             model='kga', frames=t,
             test_cfg=dict(frame_chunk_size=sz['chunk'])),
        dict(name=f'kga_fast_T{t}', kind='infer', model='kga', frames=t,
             test_cfg=fast),
        dict(name=f'tsn_fp32_T{t}', kind='infer', model='tsn', frames=t),
        dict(name=f'kga_fast_compiled_T{t}', kind='infer', model='kga',
             frames=t, test_cfg=dict(fast, compile=True)),
        dict(name='train_single_frame_images', kind='train',
             replicate=False),
        dict(name='train_replicated_images', kind='train', replicate=True),
    ]
    return [probes[i] for i in (0, 2, 5)] if sz['quick'] else probes


def run_probe(probe: dict, ctx: dict) -> dict:
    """One memory measurement, in this (fresh) process."""
    device, sz = ctx['device'], ctx['sizes']
    cuda = device.startswith('cuda')
    if probe['kind'] == 'infer':
        model_cfg = kga_model_cfg() if probe['model'] == 'kga' else (
            tsn_model_cfg())
        model = build_model(model_cfg, device)
        if probe.get('test_cfg'):
            model.test_cfg = probe['test_cfg']
        folder = video_dirs(ctx['data_root'])[0][0]
        run = predict_fn(model, load_video(folder, probe['frames'],
                                           sz['size']))
        run()  # warm-up (compiling, for the compiled path): not measured
        peak_reset = reset_peak_rss()
    else:
        from mmengine.optim import build_optim_wrapper
        cfg = load_cfg(KGA_CONFIG)
        model = build_model(cfg.model, device, train=True)
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        batch = train_inputs(sz, ctx['data_root'], probe['replicate'])

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
        out['cuda_peak_mib'] = torch.cuda.max_memory_allocated() / 2**20
        out['cuda_peak_growth_mib'] = (torch.cuda.max_memory_allocated() -
                                       before) / 2**20
    return out


def run_memory(ctx: dict) -> dict:
    rows = []
    for probe in memory_probes(ctx['sizes'], ctx['device']):
        cmd = [sys.executable, osp.abspath(__file__), '--probe',
               json.dumps(probe), '--device', ctx['device'], '--data-root',
               ctx['data_root']]
        if ctx['sizes']['quick']:
            cmd.append('--quick')
        if ctx['train_size']:
            cmd += ['--train-size', str(ctx['train_size'])]
        proc = subprocess.run(cmd, capture_output=True, text=True,
                              cwd=ROOT)
        lines = [ln for ln in proc.stdout.splitlines()
                 if ln.startswith('PROBE ')]
        if proc.returncode == 0 and lines:
            rows.append(json.loads(lines[-1][len('PROBE '):]))
        else:
            rows.append(dict(name=probe['name'],
                             error=(proc.stderr or proc.stdout)[-500:]))
    return dict(
        method=('peak resident set size (VmHWM) of a fresh process running '
                'one call, minus its resident size just before; inference '
                'after one unmeasured warm-up call (which compiles, for the '
                'compiled path), the peak reset in between'
                + ('; CUDA: torch.cuda.max_memory_allocated'
                   if ctx['device'].startswith('cuda') else '')),
        rows=rows)


# ---------------------------------------------------------------------------
# FLOP/s
# ---------------------------------------------------------------------------
def matmul_peak(device: str, n: int, dtype: torch.dtype, repeats: int,
                warmup: int) -> dict:
    """Best FLOP/s of an ``n x n`` matmul (``2 n^3`` FLOPs)."""
    a = torch.randn(n, n, device=device).to(dtype)
    b = torch.randn(n, n, device=device).to(dtype)
    t = time_interleaved({'x': lambda: torch.mm(a, b)}, max(repeats, 3),
                         max(warmup, 1), device)['x']
    return dict(n=n, dtype=str(dtype).replace('torch.', ''),
                best_gflops=2 * n**3 / t['min_s'] / 1e9,
                median_gflops=2 * n**3 / t['median_s'] / 1e9)


def run_flops(ctx: dict) -> dict:
    device, sz = ctx['device'], ctx['sizes']
    kga = build_model(kga_model_cfg(), device)
    backbone = kga.backbone
    flops = backbone_flops_per_frame(backbone, sz['size'], device)
    batch = sz['flops_batch']
    frames = torch.randn(batch, 3, sz['size'], sz['size'], device=device)
    frames_cl = frames.contiguous(memory_format=torch.channels_last)
    backbone_cl = copy.deepcopy(backbone)
    backbone_cl.to(memory_format=torch.channels_last)
    autocast = best_autocast_dtype(device)
    dev_type = torch.device(device).type

    def fwd(module, x, dtype=None):
        def run():
            ctx_ = (torch.autocast(dev_type, dtype=getattr(torch, dtype))
                    if dtype else contextlib.nullcontext())
            with torch.no_grad(), ctx_:
                return module(x)
        return run

    fns = {'fp32_nchw': fwd(backbone, frames),
           'fp32_channels_last': fwd(backbone_cl, frames_cl)}
    if autocast:
        fns[f'{autocast}_channels_last'] = fwd(backbone_cl, frames_cl,
                                              autocast)
    timings = time_interleaved(fns, ctx['repeats'], ctx['warmup'], device)
    old_tf32 = None
    if device.startswith('cuda'):  # fp32 peak without TF32
        old_tf32 = torch.backends.cuda.matmul.allow_tf32
        torch.backends.cuda.matmul.allow_tf32 = False
    peaks = {'float32': matmul_peak(device, sz['matmul'], torch.float32,
                                    ctx['repeats'], ctx['warmup'])}
    if old_tf32 is not None:
        torch.backends.cuda.matmul.allow_tf32 = old_tf32
    if autocast:
        peaks[autocast] = matmul_peak(device, sz['matmul'],
                                      getattr(torch, autocast),
                                      ctx['repeats'], ctx['warmup'])
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


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------
def fmt(x, digits=3) -> str:
    if x is None:
        return '-'
    if isinstance(x, float):
        if x != x:
            return 'nan'
        return f'{x:.{digits}g}' if abs(x) < 1e4 else f'{x:.0f}'
    return str(x)


def timing_cells(t: dict) -> List[str]:
    return [f'{t["median_s"]:.3f}', f'{t["q1_s"]:.3f}-{t["q3_s"]:.3f}',
            f'{t["min_s"]:.3f}-{t["max_s"]:.3f}', str(t['n'])]


def table(header: List[str], rows: List[List[str]]) -> List[str]:
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '|'.join(' --- ' for _ in header) + '|']
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return lines + ['']


TIME_HEADER = ['median s', 'IQR s', 'min-max s', 'n']


def markdown(report: dict) -> str:
    host, sec = report['host'], report['sections']
    md = [f'# KGA-Net benchmark: {host["kind"]}', '',
          f'{report["created"]}; device `{host["device"]}`, CPU '
          f'{host["cpu"]} ({host["cpu_count"]} cores, {host["torch_threads"]}'
          f' torch threads), native bf16: {host["cpu_native_bf16"]}, torch '
          f'{host["torch"]}; load average at start '
          f'{fmt(host["load_average"])}. Repeats {report["repeats"]} after '
          f'{report["warmup"]} warm-up; models compared with each other ran '
          'interleaved. Random weights.', '']
    if report['quick']:
        md += ['**--quick: tiny sizes, the numbers only show that the tool '
               'works.**', '']
    if 'inference' in sec:
        s = sec['inference']
        md += ['## Inference, one video', '',
               f'`test_step` from uint8 frames at {s["rows"][0]["size"]}px, '
               'preprocessing included. Fast paths (`test_cfg`): ' +
               '; '.join(f'{k} `{v}`' for k, v in s['fast_test_cfgs'].items())
               + '. Compiling (first call, not in the timings): ' +
               ', '.join(f'{k} {v:.1f} s' for k, v in s['compile_s'].items())
               + '.', '']
        md += table(['model', 'T'] + TIME_HEADER + ['frames/s', 'GFLOP/s'], [
            [r['model'], str(r['frames'])] + timing_cells(r) +
            [fmt(r.get('frames_per_s')), fmt(r.get('achieved_gflops'))]
            for r in s['rows']])
        fast_names = list(s['fast_test_cfgs'])
        md += table(['T', 'KGA/TSN (medians)', 'KGA/TSN paired [min, max]'] +
                    [f'{n}/kga_fp32 (medians)' for n in fast_names], [
            [k, fmt(v['kga_over_tsn']['of_medians'], 4),
             f'{fmt(v["kga_over_tsn"]["paired_median"], 4)} '
             f'[{fmt(v["kga_over_tsn"]["paired_min"], 3)}, '
             f'{fmt(v["kga_over_tsn"]["paired_max"], 3)}]'] +
            [fmt(v[f'{n}_over_kga']['of_medians'], 3) for n in fast_names]
            for k, v in s['ratios'].items()])
        md += ['Fast paths vs fp32 (random weights from each seed; the '
               'fitted classifier spreads the probabilities over ~0.1-0.9):',
               '']
        md += table(['model', 'seed', 'videos x frames', 'classifier',
                     'max prob diff', 'max weight diff', 'feature rel err',
                     'AUC fp32', 'AUC fast'], [
            [r['model'], str(r['seed']), f'{r["videos"]} x {r["frames"]}',
             r['classifier'], fmt(r['max_abs_prob_diff']),
             fmt(r.get('max_abs_weight_diff')),
             fmt(r.get('feature_rel_error')), fmt(r.get('auc_fp32')),
             fmt(r.get('auc_fast'))] for r in s['agreement']])
        b = s['lower_bound']
        md += [f'Lower bound: {fmt(s["backbone_flops_per_frame"] / 1e9)} '
               f'GFLOP x {b["frames"]} frames at the measured {b["dtype"]} '
               f'matmul peak of {fmt(b["peak_gflops"])} GFLOP/s = '
               f'{fmt(b["seconds"])} s for the backbone alone.', '']
        md += checks_md(s['checks'], s['targets_at'])
    if 'baselines' in sec:
        s = sec['baselines']
        md += ['## Baselines (configs/baselines), one test clip', '',
               f'{s["configs_found"]} configs found.', '']
        md += table(['config', 'model', 'input'] + TIME_HEADER +
                    ['frames/s', 'error'], [
            [osp.basename(r['config']), r.get('model', '-'),
             'x'.join(map(str, r.get('input_shape', [])))] +
            (timing_cells(r) if 'median_s' in r else ['-'] * 4) +
            [fmt(r.get('frames_per_s')), r.get('error', '')[:120]]
            for r in s['rows']])
    if 'train' in sec:
        s = sec['train']
        md += ['## One training step, paper mixed batch', '',
               f'{s["videos"]} clips x {s["frames_per_clip"]} frames + '
               f'{s["images"]} images at {s["size"]}px; `train_step` '
               '(forward, losses, backward, SGD), weights restored before '
               f'each step (restore alone: {s["weight_restore_s"]:.3f} s, '
               'included).', '']
        md += table(['batch', 'frames'] + TIME_HEADER, [
            [r['batch'], str(r['frames'])] + timing_cells(r)
            for r in s['rows']])
        r = s['single_over_replicated']
        p = s['projected_paper_schedule']
        md += [f'single-frame / replicated: {fmt(r["of_medians"], 3)} '
               f'(paired {fmt(r["paired_median"], 3)} '
               f'[{fmt(r["paired_min"], 3)}, {fmt(r["paired_max"], 3)}]).',
               '',
               f'Projected paper schedule: {p["iterations"]} x '
               f'{p["step_s"]:.3f} s = {p["hours"]:.2f} h on {p["device"]} '
               f'({p["note"]}).', '']
        md += checks_md(s['checks'], 'train')
    if 'data' in sec:
        s = sec['data']
        md += ['## Data pipeline vs model', '',
               f'`{s["config"]}` training dataloader (batch '
               f'{s["batch_size"]}) on `{s["data_root"]}`.', '']
        md += table(['workers', 'samples/s', 'pipeline/consumption'], [
            [str(r['workers']), fmt(r['samples_per_s']),
             fmt(r['pipeline_over_consumption'])] for r in s['rows']])
        md += [f'Model: {fmt(s["model_iters_per_s"])} it/s x '
               f'{s["batch_size"]} = {fmt(s["model_samples_per_s"])} '
               f'samples/s ({s["note"]}).', '']
    if 'memory' in sec:
        s = sec['memory']
        md += ['## Peak memory', '', s['method'] + '.', '']
        md += table(['measurement', 'peak RSS MiB', 'growth MiB',
                     'CUDA peak MiB', 'error'], [
            [r['name'], fmt(r.get('peak_rss_mib'), 5),
             fmt(r.get('peak_rss_growth_mib'), 5),
             fmt(r.get('cuda_peak_mib'), 5), r.get('error', '')[-120:]
             .replace('\n', ' ')] for r in s['rows']])
    if 'flops' in sec:
        s = sec['flops']
        md += ['## Backbone FLOP/s', '',
               f'{s["backbone"]}: {fmt(s["gflops_per_frame"])} GFLOP per '
               f'frame; {s["peak_note"]}: ' + ', '.join(
                   f'{k} {fmt(v["best_gflops"])} GFLOP/s (n={v["n"]})'
                   for k, v in s['matmul_peaks'].items()) + '.', '']
        md += table(['mode', 'frames'] + TIME_HEADER +
                    ['GFLOP/s', 'peak GFLOP/s', 'of peak'], [
            [r['mode'], str(r['frames'])] + timing_cells(r) +
            [fmt(r['achieved_gflops']), fmt(r['peak_gflops']),
             fmt(r['fraction_of_peak'], 2)] for r in s['rows']])
    for name, err in report.get('errors', {}).items():
        md += [f'## {name}: failed', '', '```', err, '```', '']
    return '\n'.join(md)


def checks_md(checks: dict, where: str) -> List[str]:
    return [f'Targets ({where}): ' + '; '.join(
        f'{k} {fmt(v["value"], 4)} <= {v["target"]}: '
        f'{"met" if v["met"] else "NOT met"}' for k, v in checks.items()) +
        '.', '']


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------
RUNNERS = dict(inference=run_inference, baselines=run_baselines,
               train=run_train, data=run_data, memory=run_memory,
               flops=run_flops)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Benchmark KGA-Net against TSN and the baselines')
    parser.add_argument('--device', default='cuda' if
                        torch.cuda.is_available() else 'cpu')
    parser.add_argument('--repeats', type=int, help='timed repetitions '
                        '(default 5; --quick 2)')
    parser.add_argument('--warmup', type=int, help='untimed warm-up '
                        'repetitions (default 1; --quick 0)')
    parser.add_argument('--sections', default=','.join(SECTIONS),
                        help=f'comma-separated subset of {SECTIONS}')
    parser.add_argument('--skip', default='', help='sections to leave out, '
                        'e.g. --skip baselines')
    parser.add_argument('--quick', action='store_true',
                        help='tiny sizes (for the test)')
    parser.add_argument('--out-dir', default=osp.join(ROOT, 'benchmarks'))
    parser.add_argument('--name', help='file name stem (default: the host '
                        'kind, e.g. cpu-2core)')
    parser.add_argument('--data-root', help='synthetic data root (default '
                        'data/synthetic, else generated into a temp dir)')
    parser.add_argument('--train-size', type=int, help='frame size of the '
                        'train section (default 224 on CUDA, 112 on CPU)')
    parser.add_argument('--probe', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    chosen = [s for s in args.sections.split(',') if s]
    skip = [s for s in args.skip.split(',') if s]
    unknown = sorted(set(chosen + skip) - set(SECTIONS))
    if unknown:
        parser.error(f'unknown sections {unknown}; choose from {SECTIONS}')
    args.section_list = [s for s in SECTIONS if s in chosen and s not in skip]
    if args.repeats is None:
        args.repeats = 2 if args.quick else 5
    if args.warmup is None:
        args.warmup = 0 if args.quick else 1
    if args.repeats < 1 or args.warmup < 0:
        parser.error('--repeats must be >= 1 and --warmup >= 0')
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    from mmaction.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    ctx = dict(device=args.device, repeats=args.repeats,
               warmup=args.warmup, train_size=args.train_size,
               sizes=sizes(args.quick, args.device, args.train_size))
    if args.probe:
        ctx['data_root'] = args.data_root
        print('PROBE ' + json.dumps(run_probe(json.loads(args.probe), ctx)))
        return {}
    ctx['data_root'], tmp = ensure_data_root(args.data_root, args.quick)
    report = dict(created=datetime.now(timezone.utc).isoformat(
        timespec='seconds'), host=host_info(args.device),
        quick=args.quick, repeats=args.repeats, warmup=args.warmup,
        sizes=ctx['sizes'], targets=TARGETS, sections={}, errors={},
        seconds={})
    try:
        for name in args.section_list:
            print(f'[benchmark] {name} ...', flush=True)
            start = time.perf_counter()
            try:
                report['sections'][name] = RUNNERS[name](ctx)
            except Exception as err:  # noqa: BLE001  (reported)
                import traceback
                report['errors'][name] = traceback.format_exc()[-3000:]
                print(f'[benchmark] {name} failed: {err}', flush=True)
            report['seconds'][name] = time.perf_counter() - start
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(args.out_dir, exist_ok=True)
    stem = osp.join(args.out_dir, args.name or report['host']['kind'])
    with open(stem + '.json', 'w') as f:
        json.dump(report, f, indent=1)
    text = markdown(report)
    with open(stem + '.md', 'w') as f:
        f.write(text + '\n')
    print(text)
    print(f'wrote {stem}.md and {stem}.json')
    if args.device.startswith('cuda') and 'train' in report['sections']:
        p = report['sections']['train']['projected_paper_schedule']
        print(f'projected paper schedule on one GPU: {p["iterations"]} x '
              f'{p["step_s"]:.3f} s = {p["hours"]:.2f} h ({p["note"]})')
    return report


if __name__ == '__main__':
    main()
