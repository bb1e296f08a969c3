"""kga_mmaction.benchmark.clips: frames come through a config's test
pipeline, with the frame count and size the benchmark asks for."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from kga_mmaction.benchmark.builders import KGA_CONFIG
from kga_mmaction.benchmark.clips import (VideoClips, clip_pipeline,
                                          pipeline_clip_shape, train_inputs)

PAPER_PIPELINE = Config.fromfile(KGA_CONFIG).test_pipeline


def test_clip_pipeline_samples_the_asked_frames():
    pipeline = clip_pipeline(PAPER_PIPELINE, 5, 224)
    assert pipeline[0] == dict(type='SampleFrames', clip_len=1,
                               frame_interval=1, num_clips=5, test_mode=True)
    # the paper pipeline crops to 224 already: nothing else changes
    assert pipeline[1:] == PAPER_PIPELINE[1:]


def test_clip_pipeline_resizes_before_formatting_only_when_asked():
    pipeline = clip_pipeline(PAPER_PIPELINE, 3, 32)
    kinds = [t['type'] for t in pipeline]
    resize = kinds.index('FormatShape') - 1
    assert pipeline[resize] == dict(type='Resize', scale=(32, 32),
                                    keep_ratio=False)
    assert pipeline[:resize] + pipeline[resize + 1:] == clip_pipeline(
        PAPER_PIPELINE, 3, 224)


def test_clip_pipeline_refuses_a_pipeline_without_sampler():
    with pytest.raises(ValueError, match='frame sampler'):
        clip_pipeline([t for t in PAPER_PIPELINE
                       if t['type'] != 'SampleUpToFrames'], 4, 32)


def test_pipeline_clip_shape_reads_a_3d_multi_view_pipeline():
    pipeline = [
        dict(type='SampleFrames', clip_len=32, frame_interval=2,
             num_clips=10, test_mode=True),
        dict(type='RawFrameDecode'),
        dict(type='Resize', scale=(-1, 256)),
        dict(type='ThreeCrop', crop_size=256),
        dict(type='FormatShape', input_format='NCTHW'),
    ]
    assert pipeline_clip_shape(pipeline) == dict(
        clip_len=32, num_clips=10, crops=3, size=256, input_format='NCTHW')
    assert pipeline_clip_shape(PAPER_PIPELINE) == dict(
        clip_len=1, num_clips=128, crops=1, size=224, input_format='NCHW')


@pytest.fixture(scope='module')
def clips(tiny_kga):
    return VideoClips(tiny_kga.config, osp.dirname(tiny_kga.busv))


def test_video_clips_hold_every_video_classes_in_turn(clips, tiny_kga):
    # 3 + 3 videos over both splits, benign and malignant in turn
    assert len(clips) == 6
    assert [clips.label(i) for i in range(6)] == [0, 1, 0, 1, 0, 1]
    benign = [v['frame_dir'] for v in clips.videos[::2]]
    assert benign == sorted(benign)
    assert all(osp.dirname(d) == osp.join(tiny_kga.busv, 'rawframes', cls)
               for d, cls in zip((v['frame_dir'] for v in clips.videos),
                                 ('benign', 'malignant') * 3))


def test_video_clips_decode_the_sampled_frames(clips):
    video = clips.videos[1]
    total, num_frames = video['total_frames'], 12  # more than the video has
    clip = clips.clip(1, num_frames, 32)
    assert clip.shape == (num_frames, 3, 32, 32)
    assert clip.dtype == torch.uint8 and clip.is_contiguous()
    # SampleFrames in test mode: the centre of each of 12 equal segments
    inds = ((np.arange(num_frames) + 0.5) * total / num_frames).astype(int)
    expected = []
    for i in inds:
        bgr = cv2.imread(osp.join(video['frame_dir'], f'{i:06d}.png'))
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        expected.append(cv2.resize(rgb, (32, 32),
                                   interpolation=cv2.INTER_LINEAR))
    # [T, H, W, 3] -> [T, 3, H, W]
    np.testing.assert_array_equal(clip.numpy(),
                                  np.stack(expected).transpose(0, 3, 1, 2))


def test_train_inputs_replicate_only_the_images(clips):
    sz = dict(train_frames=4, train_size=32, train_videos=2, train_images=3)
    single = train_inputs(sz, clips, replicate=False)
    replicated = train_inputs(sz, clips, replicate=True)
    assert [x.shape[0] for x in single['inputs']] == [4, 4, 1, 1, 1]
    assert [x.shape[0] for x in replicated['inputs']] == [4] * 5
    for image, frames in zip(single['inputs'][2:],
                             replicated['inputs'][2:]):
        assert (frames == image).all()
    sources = [s.metainfo.get('source') for s in single['data_samples']]
    assert sources == [None, None, 'image', 'image', 'image']
