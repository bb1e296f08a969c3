"""Section ``loader``: one dataloader worker running the paper configs'
training pipelines on frames of the real datasets' size, as PNG and as
converted JPEG, and the workers a GPU needs at the paper batch.

Data: synthetic BUSV-like videos with frames of ``loader_frame_size``
(BUSV's are about 600x800 PNGs) and BUSI-like images around 500x600,
generated into a temp dir, and the same data converted by
``tools/data/convert_frames.py`` (JPEG, shorter side
``loader_short_side``).

One worker is the main process (``num_workers=0``) with OpenCV on one
thread, as a forked worker runs. Every time is taken twice: wall time (on a
loaded machine, longer than a dedicated core would take) and the process's
CPU time (about what a dedicated core takes). Per sample, each pipeline
step is timed on its own, so decoding (the first ``RawFrameDecode`` /
``LoadImageAsFrames``) separates from the transforms after it; per batch,
the config's own training dataloader (the paper batch: 8 clips + 8 images)
is timed. The projection (:mod:`..projection`) divides one worker's seconds
per batch by a GPU's step at that batch.
"""
import copy
import os
import os.path as osp
import shutil
import tempfile
import time
from typing import Dict, List, Tuple

import cv2
import numpy as np
from mmaction.registry import DATASETS
from mmengine.config import Config
from mmengine.runner import Runner

from kga_mmaction.datasets.busi.layout import BUSI_FOLDER
from kga_mmaction.datasets.conversion import convert_root
from kga_mmaction.synthetic import BUSV_DIRNAME, make_synthetic_datasets
from kga_mmaction.synthetic.presets import PRESETS
from ..builders import KGA_CONFIG, REPO_ROOT, build_model, load_cfg
from ..flops import backbone_flops_per_frame
from ..projection import (REFERENCE_CORES, TRAIN_FLOPS_PER_FORWARD,
                          find_gpu_step, gpu_rows, workers_needed)
from ..settings import BenchmarkContext
from ..timing import summarize

#: The training pipelines timed: KGA-Net's (2D, 16 single frames per clip)
#: and the 3D baselines' (32 frames 2 apart; every baseline config but
#: MViT's samples so, from ``busv_busi_mixed_3d.py``).
PIPELINES = dict(
    kga_net=KGA_CONFIG,
    baselines_3d=osp.join(REPO_ROOT, 'configs', 'baselines',
                          'i3d_r50-k400-pre_1xb16-32x2x1-8k_busv-busi.py'))
#: The pipeline the projection is made for (the paper model).
PROJECTED = 'kga_net'
#: Steps that read and decode files; the steps after them are transforms.
DECODERS = ('RawFrameDecode', 'LoadImageAsFrames')
#: The data timed: the generated PNGs and their converted copy.
FORMATS = ('png', 'jpg')
#: JPEG quality of the converted copy (``convert_frames.py``'s default).
JPEG_QUALITY = 95


class Clocks:
    """Wall and process CPU time since construction."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def elapsed(self) -> Tuple[float, float]:
        return (time.perf_counter() - self.wall,
                time.process_time() - self.cpu)


def make_data(root: str, sz: dict) -> dict:
    """PNG data at ``root`` (``busv/``, ``Dataset_BUSI_with_GT/``): every
    video training, ``loader_video_frames`` frames of exactly
    ``loader_frame_size``, with the busv-like preset's content.

    Returns:
        dict: What was written: counts, frame size and the BUSI sizes.
    """
    preset = PRESETS['busv-like']
    half_v, half_i = sz['loader_videos'] // 2, sz['loader_images'] // 2
    frames = sz['loader_video_frames']
    meta = make_synthetic_datasets(
        root, difficulty=preset['difficulty'],
        keyframe_fraction=preset['keyframe_fraction'], progress=False,
        busv=dict(num_benign=half_v, num_malignant=half_v,
                  frames=(frames, frames), size=sz['loader_frame_size'],
                  vary_size=False, val_fraction=0.),
        busi=dict(num_benign=half_i, num_malignant=half_i, num_normal=0,
                  size=sz['loader_image_size']))
    heights = [i['height'] for i in meta['busi']['images']]
    widths = [i['width'] for i in meta['busi']['images']]
    return dict(videos=2 * half_v, frames_per_video=frames,
                frame_size=list(sz['loader_frame_size']),
                images=2 * half_i,
                image_base_size=list(sz['loader_image_size']),
                image_height=dict(min=min(heights), mean=np.mean(heights),
                                  max=max(heights)),
                image_width=dict(min=min(widths), mean=np.mean(widths),
                                 max=max(widths)))


def disk_mib(root: str) -> float:
    """MiB of the files under ``root``."""
    return sum(osp.getsize(osp.join(d, f)) for d, _, names in os.walk(root)
               for f in names) / 2**20


def train_cfg(config: str, data_root: str) -> Config:
    """The config with its training data at ``data_root``."""
    cfg = load_cfg(config)
    dataset = cfg.train_dataloader.dataset
    dataset.video.data_root = osp.join(data_root, BUSV_DIRNAME)
    dataset.image.data_root = osp.join(data_root, BUSI_FOLDER)
    return cfg


def batch_shape(cfg: Config) -> dict:
    """Clips, images and frames of one training batch of the config (over
    all GPUs), read off its batch sampler and pipelines."""
    loader = cfg.train_dataloader
    clips = int(round(loader.batch_size *
                      loader.batch_sampler.video_fraction))
    images = loader.batch_size - clips

    def frames(pipeline, kind, keys):
        step = next(t for t in pipeline if t['type'] == kind)
        return int(np.prod([step.get(k, 1) for k in keys]))

    clip_frames = frames(loader.dataset.video.pipeline, 'SampleFrames',
                         ('clip_len', 'num_clips'))
    image_frames = frames(loader.dataset.image.pipeline,
                          'LoadImageAsFrames', ('num_frames', ))
    return dict(clips=clips, images=images, frames_per_clip=clip_frames,
                frames_per_image=image_frames,
                frames=clips * clip_frames + images * image_frames)


def time_steps(dataset, passes: int, warmup: int) -> dict:
    """Every sample of ``dataset`` through its pipeline, one step at a
    time, ``warmup`` untimed then ``passes`` timed passes.

    Returns:
        dict: ``samples``; per-sample wall and CPU seconds
        (:func:`summarize` over passes); each step's mean wall and CPU
        seconds per sample; the decoding steps' share of the CPU time.
    """
    transforms = dataset.pipeline.transforms
    names = [type(t).__name__ for t in transforms]
    step_wall, step_cpu = np.zeros(len(names)), np.zeros(len(names))
    pass_wall, pass_cpu = [], []
    n = len(dataset)
    for p in range(warmup + passes):
        wall = np.zeros(len(names))
        cpu = np.zeros(len(names))
        for i in range(n):
            results = dataset.get_data_info(i)
            for k, transform in enumerate(transforms):
                clocks = Clocks()
                results = transform(results)
                w, c = clocks.elapsed()
                wall[k] += w
                cpu[k] += c
        if p >= warmup:
            step_wall += wall
            step_cpu += cpu
            pass_wall.append(wall.sum() / n)
            pass_cpu.append(cpu.sum() / n)
    samples = n * passes
    steps = [dict(step=name, wall_s=w / samples, cpu_s=c / samples)
             for name, w, c in zip(names, step_wall, step_cpu)]
    decode = sum(s['cpu_s'] for s in steps if s['step'] in DECODERS)
    total = sum(s['cpu_s'] for s in steps)
    return dict(samples=n, wall=summarize(pass_wall),
                cpu=summarize(pass_cpu), steps=steps,
                decode_cpu_s=decode, transforms_cpu_s=total - decode,
                decode_share=decode / total)


def time_batches(cfg: Config, batches: int) -> dict:
    """The config's training dataloader in the main process: one untimed
    batch, then ``batches`` timed ones (over epochs, as training does).

    Returns:
        dict: Per-batch wall and CPU seconds (:func:`summarize`).
    """
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    loader_cfg.update(num_workers=0, persistent_workers=False,
                      pin_memory=False, prefetch_factor=None)
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    it = iter(loader)
    walls, cpus = [], []
    for b in range(batches + 1):
        clocks = Clocks()
        try:
            next(it)
        except StopIteration:  # a new epoch
            it = iter(loader)
            next(it)
        if b:
            wall, cpu = clocks.elapsed()
            walls.append(wall)
            cpus.append(cpu)
    return dict(wall=summarize(walls), cpu=summarize(cpus))


def measure(config: str, data_root: str, ctx: BenchmarkContext) -> dict:
    """:func:`time_steps` of the config's video and image datasets and
    :func:`time_batches` of its dataloader, on ``data_root``."""
    cfg = train_cfg(config, data_root)
    mixed = DATASETS.build(copy.deepcopy(cfg.train_dataloader.dataset))
    video, image = mixed.datasets
    return dict(
        clip=time_steps(video, ctx.repeats, ctx.warmup),
        image=time_steps(image, ctx.repeats, ctx.warmup),
        batch=dict(time_batches(cfg, ctx.sizes['loader_batches']),
                   **batch_shape(cfg)))


def measured_gpus(ctx: BenchmarkContext) -> List[dict]:
    """The measured GPU step: ``--gpu-step-s``, else KGA-Net's in the
    newest GPU report of ``ctx.gpu_reports``; none without either."""
    if ctx.gpu_step_s:
        return [dict(gpu='measured', step_s=ctx.gpu_step_s,
                     source='--gpu-step-s')]
    found = ctx.gpu_reports and find_gpu_step(
        ctx.gpu_reports, osp.splitext(osp.basename(KGA_CONFIG))[0])
    if not found:
        return []
    path, label, seconds = found
    return [dict(gpu=osp.splitext(osp.basename(path))[0], step_s=seconds,
                 source=f'{osp.relpath(path, REPO_ROOT)}: {label} '
                 'seconds_per_iter')]


def project(rows: Dict[str, dict], ctx: BenchmarkContext) -> dict:
    """Workers per GPU for the :data:`PROJECTED` pipeline on each data
    format, from one worker's seconds per batch (CPU and wall)."""
    shape = rows[f'{PROJECTED}/png']['batch']
    backbone = build_model(load_cfg(KGA_CONFIG).model, 'cpu').backbone
    size = ctx.sizes['size']
    flops = backbone_flops_per_frame(backbone, size, 'cpu')
    gpus = gpu_rows(shape['frames'], flops, measured_gpus(ctx))
    for gpu in gpus:
        gpu['samples_per_s'] = (shape['clips'] + shape['images']) / gpu[
            'step_s']
        gpu['workers'] = {
            fmt: {clock: workers_needed(
                rows[f'{PROJECTED}/{fmt}']['batch'][clock]['median_s'],
                gpu['step_s']) for clock in ('cpu', 'wall')}
            for fmt in FORMATS}
    return dict(pipeline=PROJECTED, frames_per_iter=shape['frames'],
                batch=dict(clips=shape['clips'], images=shape['images']),
                flops_per_frame=flops, frame_size=size,
                train_flops_per_forward=TRAIN_FLOPS_PER_FORWARD,
                gpus=gpus, cores=dict(REFERENCE_CORES,
                                      this_machine=os.cpu_count()))


def run(ctx: BenchmarkContext) -> dict:
    """Generate the data, convert it, time every pipeline on both, and
    project the workers a GPU needs.

    Returns:
        dict: The data (sizes, MiB on disk), one row per pipeline and
        format (``clip``, ``image``: :func:`time_steps`; ``batch``:
        :func:`time_batches` and :func:`batch_shape`) and the projection.
    """
    sz = ctx.sizes
    tmp = tempfile.mkdtemp(prefix='kga-loader-')
    threads = cv2.getNumThreads()
    try:
        roots = dict(png=osp.join(tmp, 'png'), jpg=osp.join(tmp, 'jpg'))
        data = make_data(roots['png'], sz)
        convert = Clocks()
        convert_root(roots['png'], roots['jpg'], sz['loader_short_side'],
                     'jpg', JPEG_QUALITY)
        data.update(
            short_side=sz['loader_short_side'], jpeg_quality=JPEG_QUALITY,
            convert_s_per_frame=convert.elapsed()[0] / (
                data['videos'] * data['frames_per_video'] + data['images']),
            mib={fmt: disk_mib(root) for fmt, root in roots.items()})
        cv2.setNumThreads(0)  # one thread, as in a forked worker
        rows = {}
        for name, config in PIPELINES.items():
            for fmt in FORMATS:
                rows[f'{name}/{fmt}'] = dict(
                    pipeline=name, format=fmt,
                    config=osp.relpath(config, REPO_ROOT),
                    **measure(config, roots[fmt], ctx))
    finally:
        cv2.setNumThreads(threads)
        shutil.rmtree(tmp, ignore_errors=True)
    for name in PIPELINES:
        png, jpg = rows[f'{name}/png'], rows[f'{name}/jpg']
        png['jpg_speedup_cpu'] = (png['batch']['cpu']['median_s'] /
                                  jpg['batch']['cpu']['median_s'])
    return dict(data=data, rows=list(rows.values()),
                projection=project(rows, ctx),
                note='One worker = the main process, OpenCV on one thread; '
                'CPU = the process\'s CPU time (about what a dedicated '
                'core takes), wall = elapsed on this machine')
