"""Section ``baselines``: every config in ``configs/baselines/`` on one test
clip of its own test pipeline's shape (clips x crops x frames x size; at
``--quick``, one clip of one crop at ``baseline_size``). A config that
fails to build or run is reported with its error."""
import glob
import os.path as osp

import torch
from mmengine.config import Config

from ..builders import (BASELINE_GLOB, REPO_ROOT, build_model, load_cfg,
                        predict_fn)
from ..clips import DEFAULT_CLIP_SIZE, pipeline_clip_shape
from ..settings import BenchmarkContext
from ..timing import time_interleaved

#: Values of a random uint8 test clip: [0, 256).
PIXEL_LEVELS = 256


def baseline_clip_shape(cfg: Config, sz: dict) -> dict:
    """Input shape of one test sample of a config's test pipeline, or of
    ``baseline_clips`` clips of one crop at ``baseline_size`` where
    ``sizes`` sets one.

    Returns:
        dict: :func:`~kga_mmaction.benchmark.clips.pipeline_clip_shape`
        with ``input_shape``.
    """
    shape = pipeline_clip_shape(cfg.test_dataloader.dataset.pipeline)
    if sz['baseline_size']:
        shape.update(size=sz['baseline_size'],
                     num_clips=sz['baseline_clips'], crops=1)
    size = shape['size'] = shape['size'] or DEFAULT_CLIP_SIZE
    views = shape['num_clips'] * shape['crops']
    clip_len = shape['clip_len']
    shape['input_shape'] = (
        [views, 3, clip_len, size, size]
        if shape['input_format'].startswith('NCT') else
        [views * clip_len, 3, size, size])
    return shape


def run(ctx: BenchmarkContext) -> dict:
    """Time every baseline config on one random clip.

    Returns:
        dict: ``configs_found``, and one row per config: its shape, model,
        parameters (millions), timing and frames/s, or its ``error``.
    """
    configs = sorted(glob.glob(BASELINE_GLOB))
    rows = []
    for path in configs:
        row = dict(config=osp.relpath(path, REPO_ROOT))
        try:
            cfg = load_cfg(path)
            shape = baseline_clip_shape(cfg, ctx.sizes)
            row.update(shape)
            model = build_model(cfg.model, ctx.device)
            row['model'] = type(model).__name__
            row['params_m'] = sum(p.numel()
                                  for p in model.parameters()) / 1e6
            clip = torch.randint(0, PIXEL_LEVELS, shape['input_shape'],
                                 dtype=torch.uint8)
            row.update(time_interleaved(
                {'x': predict_fn(model, clip)}, ctx.repeats, ctx.warmup,
                ctx.device)['x'])
            frames = shape['clip_len'] * shape['num_clips'] * shape['crops']
            row['frames_per_s'] = frames / row['median_s']
            del model
        except Exception as err:  # noqa: BLE001  (reported, not fatal)
            row['error'] = f'{type(err).__name__}: {err}'[:500]
        rows.append(row)
    return dict(configs_found=len(configs), rows=rows)
