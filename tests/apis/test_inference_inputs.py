"""Real-world inputs of single-video inference: frame folders that are not
one sequence, files without an extension, broken links."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from kga_mmaction.apis import StrayFrameFileWarning, read_video_frames


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
