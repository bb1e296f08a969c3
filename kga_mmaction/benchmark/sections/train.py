"""Section ``train``: one training step (``train_step``: forward, losses,
backward, optimizer) on the paper's mixed batch, ``train_videos`` clips of
``train_frames`` frames + ``train_images`` images, with the images as
single frames vs replicated to ``train_frames`` frames; and the projected
wall time of the paper's schedule. The frames come through the paper
config's test pipeline at ``train_size`` (a fixed batch: no augmentation
to vary the step)."""
import copy
from typing import Callable

import torch
from mmengine.optim import OptimWrapper, build_optim_wrapper

from ..builders import KGA_CONFIG, build_model, load_cfg
from ..clips import VideoClips, train_inputs
from ..settings import PAPER_ITERS, TARGETS, BenchmarkContext
from ..timing import ratio, time_interleaved

#: Seconds per hour, for the projected schedule.
HOUR_S = 3600
#: The paper's frame size.
PAPER_SIZE = 224


def train_step_fn(model: torch.nn.Module, optim_wrapper: OptimWrapper,
                  batch: dict, state: dict) -> Callable:
    """One ``train_step``, from the weights ``state`` every time."""
    def run():
        model.load_state_dict(state)  # every step starts from the same
        return model.train_step(copy.copy(batch), optim_wrapper)
    return run


def projected_schedule(step_s: float, device: str, size: int) -> dict:
    """The paper's ``PAPER_ITERS`` iterations at ``step_s`` seconds each."""
    return dict(
        iterations=PAPER_ITERS, step_s=step_s,
        hours=PAPER_ITERS * step_s / HOUR_S, device=device,
        note=('paper batch at 224x224' if size == PAPER_SIZE else
              f"at {size}x{size}, not the paper's 224x224"))


def run(ctx: BenchmarkContext) -> dict:
    """Time both training steps, interleaved.

    Returns:
        dict: The batch's sizes, ``rows`` (one per batch), their ratio,
        ``weight_restore_s`` (included in each step),
        ``projected_paper_schedule`` and ``checks``.
    """
    device, sz = ctx.device, ctx.sizes
    cfg = load_cfg(KGA_CONFIG)
    clips = VideoClips(KGA_CONFIG, ctx.data_root)
    fns, models = {}, {}
    for name, replicate in (('single_frame_images', False),
                            ('replicated_images', True)):
        model = build_model(cfg.model, device, train=True)
        optim_wrapper = build_optim_wrapper(model, copy.deepcopy(
            cfg.optim_wrapper))
        batch = train_inputs(sz, clips, replicate)
        state = copy.deepcopy(model.state_dict())
        models[name] = model
        fns[name] = train_step_fn(model, optim_wrapper, batch, state)
    timings = time_interleaved(fns, ctx.repeats, ctx.warmup, device)
    # restoring the weights is part of each timed call; time it alone
    model = models['single_frame_images']
    state = copy.deepcopy(model.state_dict())
    restore = time_interleaved({'x': lambda: model.load_state_dict(state)},
                               ctx.repeats, 0, device)['x']
    frames = dict(
        single_frame_images=sz['train_videos'] * sz['train_frames'] +
        sz['train_images'],
        replicated_images=(sz['train_videos'] + sz['train_images']) *
        sz['train_frames'])
    rows = [dict(batch=name, frames=frames[name], **t)
            for name, t in timings.items()]
    r = ratio(timings['single_frame_images'], timings['replicated_images'])
    target = TARGETS['single_over_replicated']
    return dict(
        videos=sz['train_videos'], images=sz['train_images'],
        frames_per_clip=sz['train_frames'], size=sz['train_size'],
        rows=rows, single_over_replicated=r,
        weight_restore_s=restore['median_s'],
        projected_paper_schedule=projected_schedule(
            timings['single_frame_images']['median_s'], device,
            sz['train_size']),
        checks=dict(single_over_replicated=dict(
            value=r['of_medians'], target=target,
            met=bool(r['of_medians'] <= target))))
