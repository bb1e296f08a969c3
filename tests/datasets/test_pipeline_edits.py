"""Pipeline edits by step type, as the configs make them."""
import os.path as osp

import pytest
from mmengine.config import Config

from kga_mmaction.datasets.pipeline_edits import (clip_pipelines,
                                                  image_pipeline,
                                                  replace_preprocessing,
                                                  replace_step, update_step)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

VIDEO = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=16),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
TEST = [
    dict(type='SampleUpToFrames', max_frames=128),
    dict(type='RawFrameDecode'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]


def types(pipeline):
    return [step['type'] for step in pipeline]


def test_update_and_replace_name_the_step_by_type():
    edited = update_step(VIDEO, 'SampleFrames', num_clips=8)
    assert edited[0] == dict(VIDEO[0], num_clips=8)
    assert edited[1:] == VIDEO[1:]
    assert VIDEO[0]['num_clips'] == 16  # the base is left alone
    edited[2]['scale'] = (1, 1)
    assert VIDEO[2]['scale'] == (-1, 256)  # copies, not the base's steps
    assert types(replace_step(VIDEO, 'Flip')) == types(VIDEO[:3] + VIDEO[4:])
    assert replace_step(TEST, 'CenterCrop', dict(type='TenCrop'))[2] == dict(
        type='TenCrop')
    with pytest.raises(ValueError, match=r"no TenCrop step in the pipeline "
                       r"\['SampleFrames', 'RawFrameDecode'"):
        update_step(VIDEO, 'TenCrop', crop_size=224)


def test_preprocessing_is_what_lies_between_decoding_and_formatting():
    resize = dict(type='Resize', scale=(96, 96), keep_ratio=False)
    assert replace_preprocessing(VIDEO, resize) == [
        *VIDEO[:2], resize, *VIDEO[4:]]
    # a base that gains a loading step keeps it in the child
    grown = [dict(type='DecordInit'), *TEST]
    assert types(replace_preprocessing(grown, resize)) == [
        'DecordInit', 'SampleUpToFrames', 'RawFrameDecode', 'Resize',
        'FormatShape', 'PackActionInputs']
    with pytest.raises(ValueError, match='no FormatShape or PackActionInputs'):
        replace_preprocessing(VIDEO[:2], resize)


def test_an_image_goes_through_the_video_steps_after_decoding():
    assert image_pipeline(VIDEO, num_frames=4) == [
        dict(type='LoadImageAsFrames', num_frames=4), *VIDEO[2:]]


def test_clip_pipelines_sample_clips_and_format_ncthw():
    video, image, test = clip_pipelines(VIDEO, TEST, 8, 2, 16)
    assert video[0] == dict(type='SampleFrames', clip_len=8,
                            frame_interval=2, num_clips=1)
    assert video[-2] == dict(type='FormatShape', input_format='NCTHW')
    assert video[1:-2] == VIDEO[1:-2]  # decoding and augmentation stay
    assert image == [dict(type='LoadImageAsFrames', num_frames=8),
                     *video[2:]]
    assert test[0] == dict(type='SampleFrames', clip_len=8,
                           frame_interval=2, num_clips=16, test_mode=True)
    assert test[1:-2] == TEST[1:-2] and test[-2]['input_format'] == 'NCTHW'
    # clips of another shape become clips of this one
    assert clip_pipelines(video, test, 16, 4, 8) == clip_pipelines(
        VIDEO, TEST, 16, 4, 8)


def test_a_config_using_them_dumps_as_plain_data(tmp_path):
    """The imported functions are not part of the config."""
    cfg = Config.fromfile(osp.join(ROOT, 'configs', '_base_', 'datasets',
                                   'busv_busi_mixed_3d.py'))
    assert 'clip_pipelines' not in cfg
    dumped = str(tmp_path / 'dumped.py')
    cfg.dump(dumped)
    assert Config.fromfile(dumped).to_dict() == cfg.to_dict()
    assert cfg.train_dataloader.dataset.image.pipeline[0] == dict(
        type='LoadImageAsFrames', num_frames=32)
