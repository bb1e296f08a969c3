"""DiagnosisVisualizationHook in a real mmengine Runner: a toy model whose
validation outputs are KGA-Net-like predicted samples (scores, frame
weights, lesion areas, frame folders on disk), validated twice, with the
LocalVisBackend and the TensorboardVisBackend; the event file is read
back."""
import glob
import os.path as osp
import uuid

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.runner import Runner
from PIL import Image

from kga_mmaction.engine import DiagnosisVisualizationHook
from toy_training import RisingScore, ToyModel, toy_data

VIDEOS = 6
FRAMES = 5
TENSORBOARD_HINT = ('TensorboardVisBackend needs tensorboard: '
                    '.venv/bin/python -m pip install -r '
                    'requirements/tests.txt (make install does)')


class ToyVideoModel(ToyModel):
    """ToyModel whose validation gives one predicted sample per video: the
    malignant probability and the frame weights depend on the weights, so
    that they change over training."""

    def __init__(self, frames_root: str) -> None:
        super().__init__()
        self.frames_root = frames_root

    def val_step(self, data):
        samples = []
        for video in data['video']:
            logits = self.linear.weight[0, :2].detach() * (video + 1)
            weights = torch.softmax(torch.arange(FRAMES) * logits[0], 0)
            samples.append(dict(
                pred_score=torch.softmax(logits, 0),
                gt_label=torch.tensor([video % 2]),
                frame_weights=weights,
                frame_inds=np.arange(FRAMES),
                lesion_areas=np.array([0., 50., 80., 60., 0.]) * (video + 1),
                frame_dir=osp.join(self.frames_root, f'video_{video}')))
        return samples

    test_step = val_step


def write_frames(root):
    rng = np.random.default_rng(0)
    for video in range(VIDEOS):
        folder = root / f'video_{video}'
        folder.mkdir(parents=True)
        for t in range(FRAMES):
            Image.fromarray(rng.integers(0, 255, (24, 32, 3), np.uint8)
                            ).save(folder / f'{t:06d}.png')


def video_runner(work_dir, frames_root, backends, max_iters=4):
    train = dict(dataset=toy_data(), batch_size=2,
                 sampler=dict(type='DefaultSampler', shuffle=True))
    val = dict(dataset=[dict(video=v) for v in range(VIDEOS)], batch_size=4,
               sampler=dict(type='DefaultSampler', shuffle=False))
    return Runner(
        model=ToyVideoModel(str(frames_root)),
        work_dir=str(work_dir),
        experiment_name=f'toy_{uuid.uuid4().hex}',
        train_dataloader=train,
        train_cfg=dict(by_epoch=False, max_iters=max_iters, val_interval=2),
        val_dataloader=val,
        val_cfg=dict(type='ValLoop'),
        val_evaluator=Evaluator(RisingScore()),
        test_dataloader=val,
        test_cfg=dict(type='TestLoop'),
        test_evaluator=Evaluator(RisingScore()),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        visualizer=dict(type='Visualizer', vis_backends=backends,
                        name=f'vis_{uuid.uuid4().hex}'),
        # an iteration-based schedule logs its metrics by iteration
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1,
                                       log_metric_by_epoch=False)),
        custom_hooks=[dict(type='DiagnosisVisualizationHook', num_videos=2,
                           seed=0)],
        randomness=dict(seed=0),
        default_scope='mmaction',
        log_level='WARNING')


def the_hook(runner):
    return next(h for h in runner.hooks
                if isinstance(h, DiagnosisVisualizationHook))


def test_local_backend_gets_the_tracked_videos_at_every_validation(
        tmp_path):
    write_frames(tmp_path / 'frames')
    runner = video_runner(tmp_path / 'work', tmp_path / 'frames',
                          [dict(type='LocalVisBackend')])
    runner.train()
    runner.test()
    tracked = the_hook(runner).tracked['val']
    # the same seeded videos every time, 2 of the 6
    assert tracked == DiagnosisVisualizationHook(
        num_videos=2, seed=0).choose_videos([f'video_{v}'
                                             for v in range(VIDEOS)])
    assert len(tracked) == 2
    images = glob.glob(str(tmp_path / 'work' / '*' / 'vis_data' /
                           'vis_image' / '*.png'))
    names = {osp.basename(p) for p in images}
    expected = {f'val_{kind}_{video}_{step}.png'
                for kind in ('attention', 'frames') for video in tracked
                for step in (2, 4)}
    expected |= {f'val_{kind}_{step}.png' for kind in ('roc', 'reliability')
                 for step in (2, 4)}
    expected |= {f'test_{kind}_0.png' for kind in ('roc', 'reliability')}
    expected |= {f'test_attention_{video}_0.png' for video in tracked}
    assert expected <= names, sorted(expected - names)
    # only the tracked videos are drawn
    assert not {n for n in names if 'attention' in n
                and not any(v in n for v in tracked)}
    # the attention changes with training: the curves of iteration 2 and 4
    # differ
    folder = osp.dirname(images[0])
    first, second = (np.asarray(Image.open(osp.join(
        folder, f'val_attention_{tracked[0]}_{step}.png')))
        for step in (2, 4))
    assert first.shape == second.shape and (first != second).any()


def test_tensorboard_event_file_holds_the_images_and_scalars(tmp_path):
    try:
        from tensorboard.backend.event_processing.event_accumulator import \
            EventAccumulator
    except ImportError as err:
        pytest.fail(f'{err}; {TENSORBOARD_HINT}')
    write_frames(tmp_path / 'frames')
    runner = video_runner(tmp_path / 'work', tmp_path / 'frames',
                          [dict(type='TensorboardVisBackend')])
    runner.train()
    tracked = the_hook(runner).tracked['val']
    events = glob.glob(str(tmp_path / 'work' / '*' / 'vis_data' /
                           'events.out.tfevents.*'))
    assert len(events) == 1
    runner.visualizer.close()
    accumulator = EventAccumulator(events[0],
                                   size_guidance=dict(images=0, scalars=0))
    accumulator.Reload()
    tags = accumulator.Tags()
    for tag in ([f'val_attention_{v}' for v in tracked] +
                [f'val_frames_{v}' for v in tracked] +
                ['val_roc', 'val_reliability']):
        assert tag in tags['images'], (tag, tags['images'])
        steps = [image.step for image in accumulator.Images(tag)]
        assert steps == [2, 4], (tag, steps)
        assert all(image.width > 100 and image.height > 100
                   for image in accumulator.Images(tag))
    # the metrics reach the same file as scalars, through the LoggerHook
    assert [(s.step, s.value) for s in accumulator.Scalars('toy/score')
            ] == [(2, 1.0), (4, 2.0)]
