"""Real-world inputs of single-video inference: frame folders that are not
one sequence, pixels no diagnosis should be made from, files without an
extension, broken links, and frames resized as they are read."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from kga_mmaction.apis import (StrayFrameFileWarning, UnreliableInputError,
                               check_video_frames, init_kga_recognizer,
                               model_input_shape, pipeline_after_reading,
                               predict_video, read_resize_step,
                               read_video_frames)
from kga_mmaction.datasets.input_sanity import HighBitDepthWarning


def speckle(num_frames, height=40, width=40, seed=0):
    """Frames of noise, like B-mode speckle: ``[T, H, W]`` uint8."""
    rng = np.random.default_rng(seed)
    return rng.integers(20, 236, (num_frames, height, width), dtype=np.uint8)


def write_folder(folder, frames, ext='png', tmpl='{:06d}'):
    folder.mkdir()
    for i, frame in enumerate(frames):
        assert cv2.imwrite(str(folder / f'{tmpl.format(i)}.{ext}'), frame)
    return folder


def write_mp4(path, frames):
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), 10,
                             (width, height))
    assert writer.isOpened()
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()
    return path


@pytest.fixture(scope='module')
def tiny_model(tiny_kga):
    return init_kga_recognizer(tiny_kga.config, tiny_kga.checkpoint,
                               device='cpu')


def test_the_same_frames_as_png_and_jpg_are_refused_naming_both(tmp_path):
    """60 frames stored as both .png and .jpg gave "120 sampled of 120"."""
    folder = write_folder(tmp_path / 'frames', speckle(60, 8, 8))
    for i, frame in enumerate(speckle(60, 8, 8)):
        cv2.imwrite(str(folder / f'{i:06d}.jpg'), frame)
    with pytest.raises(ValueError) as err:
        read_video_frames(str(folder))
    assert str(folder / '000000.png') in str(err.value)
    assert str(folder / '000000.jpg') in str(err.value)


def test_a_stray_thumbnail_is_left_out_with_a_warning_naming_it(tmp_path):
    folder = write_folder(tmp_path / 'frames', speckle(5, 8, 8))
    cv2.imwrite(str(folder / 'thumbnail.png'), np.zeros((8, 8), np.uint8))
    with pytest.warns(StrayFrameFileWarning, match='thumbnail.png'):
        video = read_video_frames(str(folder))
    assert video.total_frames == 5
    assert all(osp.basename(f) != 'thumbnail.png' for f in video.frame_files)


@pytest.mark.parametrize('ext', ['tif', 'tiff', 'webp'])
def test_tiff_and_webp_frame_folders_are_read(tmp_path, ext):
    folder = write_folder(tmp_path / 'frames', speckle(3, 8, 8), ext=ext)
    video = read_video_frames(str(folder))
    assert video.total_frames == 3 and video.frames[0].shape == (8, 8, 3)


def test_a_video_without_extension_is_decoded(tmp_path):
    path = tmp_path / 'case 7'
    write_mp4(tmp_path / 'case 7.mp4', list(speckle(6, 32, 48))).rename(path)
    video = read_video_frames(str(path))
    assert video.total_frames == 6
    assert video.frames[0].shape == (32, 48, 3)
    garbage = tmp_path / 'case 8'
    garbage.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(ValueError, match='not a video file') as err:
        read_video_frames(str(garbage))
    assert str(garbage) in str(err.value)


def test_a_broken_link_is_named_as_such(tmp_path):
    link = tmp_path / 'case.mp4'
    os.symlink(tmp_path / 'moved.mp4', link)
    with pytest.raises(FileNotFoundError) as err:
        read_video_frames(str(link))
    assert str(err.value) == (f'broken symbolic link to '
                              f'{tmp_path / "moved.mp4"}: {link}')


def test_frames_are_resized_as_read_and_predict_as_before(
        tiny_kga, tiny_model, tmp_path):
    """The test pipeline's first Resize applied to each frame as it is read
    gives the prediction of the whole pipeline on full-size frames."""
    folder = write_folder(tmp_path / 'frames', speckle(6, 120, 90))
    resize, rest = pipeline_after_reading(tiny_kga.cfg)
    assert resize['type'] == 'Resize'
    assert [t['type'] for t in rest] == ['FormatShape', 'PackActionInputs']
    small = read_video_frames(str(folder), resize=resize)
    assert small.frames[0].shape == (32, 32, 3)
    assert small.frame_shape == (120, 90)
    full = read_video_frames(str(folder))
    assert full.frames[0].shape == (120, 90, 3)
    assert model_input_shape(small, rest) == (32, 32)
    expected = predict_video(tiny_model, full)
    got = predict_video(tiny_model, small)
    np.testing.assert_allclose(got.pred_score, expected.pred_score,
                               atol=1e-5)
    np.testing.assert_allclose(got.frame_weights, expected.frame_weights,
                               atol=1e-5)
    other = dict(resize, scale=(16, 16))
    with pytest.raises(ValueError, match='resized as read'):
        predict_video(tiny_model, read_video_frames(str(folder),
                                                    resize=other))


def test_read_resize_step_takes_only_a_leading_resize():
    steps = [dict(type='CenterCrop', crop_size=8), dict(type='Resize',
                                                         scale=(4, 4))]
    assert read_resize_step(steps) == (None, steps)
    lazy = [dict(type='Resize', scale=(4, 4), lazy=True)]
    assert read_resize_step(lazy) == (None, lazy)


def test_12_bit_video_diagnoses_as_its_8_bit_equivalent(tiny_model,
                                                          tmp_path):
    """12-bit data in 16-bit PNGs came out nearly black (divided by 257)
    and were diagnosed without a warning."""
    frames = speckle(6)
    eight = write_folder(tmp_path / 'eight', frames)
    twelve = tmp_path / 'twelve'
    twelve.mkdir()
    for i, frame in enumerate(frames):
        assert cv2.imwrite(str(twelve / f'{i:06d}.png'),
                           frame.astype(np.uint16) * 16)
    reference = read_video_frames(str(eight))
    with pytest.warns(HighBitDepthWarning, match='12-bit'):
        video = read_video_frames(str(twelve))
    for got, expected in zip(video.frames, reference.frames):
        assert np.abs(got.astype(int) - expected).max() <= 2
    p8 = predict_video(tiny_model, reference).pred_score[1]
    p12 = predict_video(tiny_model, video).pred_score[1]
    assert abs(p12 - p8) <= 0.02


@pytest.mark.parametrize('level', [0, 255])
def test_a_blank_video_is_refused(tiny_model, tmp_path, level):
    path = write_mp4(tmp_path / 'blank.mp4',
                     [np.full((40, 48), level, np.uint8)] * 6)
    video = read_video_frames(str(path))
    with pytest.raises(UnreliableInputError) as err:
        predict_video(tiny_model, video)
    assert [p.kind for p in err.value.problems] == ['blank_video']
    assert f'blank_video: {path}' in str(err.value)
    assert '6 of 6 frames are blank' in str(err.value)


def test_a_few_blank_frames_are_accepted(tmp_path):
    frames = list(speckle(6)) + [np.zeros((40, 40), np.uint8)] * 2
    video = read_video_frames(str(write_folder(tmp_path / 'f', frames)))
    check_video_frames(video, (32, 32))  # 2 of 8 blank: no error


def test_frames_far_smaller_than_the_model_input_are_refused(
        tiny_model, tmp_path):
    folder = write_folder(tmp_path / 'tiny', speckle(4, 8, 8))
    video = read_video_frames(str(folder))
    with pytest.raises(UnreliableInputError) as err:
        predict_video(tiny_model, video)
    assert [p.kind for p in err.value.problems] == ['small_frames']
    assert 'frames are 8x8' in str(err.value) and str(folder) in str(
        err.value)
    # the same frames against a model input they are not far below
    check_video_frames(read_video_frames(str(write_folder(
        tmp_path / 'ok', speckle(4, 40, 40)))), (64, 64))
    with pytest.raises(UnreliableInputError, match='below 112 px'):
        check_video_frames(read_video_frames(str(tmp_path / 'ok')),
                           (224, 224))
