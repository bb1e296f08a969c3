"""The frame-folder reader every caller shares: one numbered sequence in one
extension per folder."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from PIL import Image

from kga_mmaction.datasets.frame_folder import (FrameFolderError,
                                                detect_frame_template,
                                                read_frames,
                                                scan_frame_folder)
from kga_mmaction.datasets.input_sanity import HighBitDepthWarning


def touch(folder, *names):
    for name in names:
        (folder / name).write_bytes(b'x')


@pytest.mark.parametrize('names, expected', [
    ([f'{i:06d}.png' for i in range(3)], ('{:06}.png', 0, 3)),
    ([f'img_{i:05d}.jpg' for i in range(1, 4)], ('img_{:05}.jpg', 1, 3)),
    ([f'img_{i:05d}.jpg'
      for i in range(9998, 10002)], ('img_{:05}.jpg', 9998, 4)),
    ([f'{i}.png' for i in range(8, 12)], ('{}.png', 8, 4)),
    ([f'frame{i:04d}.bmp' for i in range(2)], ('frame{:04}.bmp', 0, 2)),
    # the number is the last run of digits: a dated export
    ([f'2023-01-05_{i:03d}.TIF' for i in range(3)],
     ('2023-01-05_{:03}.TIF', 0, 3)),
])
def test_detect_frame_template(tmp_path, names, expected):
    touch(tmp_path, *names, '.DS_Store', 'notes.txt')
    assert detect_frame_template(str(tmp_path)) == expected


def test_frames_are_in_frame_number_order(tmp_path):
    touch(tmp_path, 'f10.png', 'f2.png', 'f1.png', '.hidden.png')
    (tmp_path / 'sub.png').mkdir()  # a folder is never a frame
    sequence = scan_frame_folder(str(tmp_path))
    assert [osp.basename(f) for f in sequence.files] == [
        'f1.png', 'f2.png', 'f10.png']
    assert sequence.numbers == [1, 2, 10]
    assert sequence.missing_numbers() == list(range(3, 10))
    assert sequence.stray_files == []


def test_the_same_frame_in_two_extensions_is_refused_naming_both(tmp_path):
    """The reported case: 60 frames as both .png and .jpg used to give 120
    frames, frame 16 read twice."""
    touch(tmp_path, *[f'{i:06d}.png' for i in range(60)],
          *[f'{i:06d}.jpg' for i in range(60)])
    with pytest.raises(FrameFolderError) as err:
        scan_frame_folder(str(tmp_path))
    assert err.value.kind == 'duplicate_frame'
    message = str(err.value)
    assert str(tmp_path / '000000.jpg') in message
    assert str(tmp_path / '000000.png') in message


def test_the_same_number_with_two_paddings_is_a_duplicate(tmp_path):
    touch(tmp_path, 'f1.png', 'f001.png', 'f2.png')
    with pytest.raises(FrameFolderError, match='stored twice') as err:
        detect_frame_template(str(tmp_path))
    assert err.value.kind == 'duplicate_frame'


def test_an_image_without_a_frame_number_is_left_out_and_named(tmp_path):
    touch(tmp_path, *[f'{i:06d}.png' for i in range(3)], 'thumbnail.png',
          'Cover.JPG')
    sequence = scan_frame_folder(str(tmp_path))
    assert [osp.basename(f) for f in sequence.files] == [
        '000000.png', '000001.png', '000002.png']
    assert sequence.stray_files == [str(tmp_path / 'Cover.JPG'),
                                    str(tmp_path / 'thumbnail.png')]
    assert 'thumbnail.png' in sequence.stray_warning()
    assert detect_frame_template(str(tmp_path)) == ('{:06}.png', 0, 3)


def test_a_folder_of_stray_images_only_has_no_frames(tmp_path):
    touch(tmp_path, 'thumbnail.png')
    with pytest.raises(FrameFolderError, match='thumbnail.png') as err:
        scan_frame_folder(str(tmp_path))
    assert err.value.kind == 'empty_video'
    assert str(tmp_path) in str(err.value)


def test_a_second_naming_pattern_is_refused_naming_one_file_of_each(
        tmp_path):
    touch(tmp_path, '000000.png', '000001.png', 'img_00001.jpg')
    with pytest.raises(FrameFolderError, match='several frame naming') as err:
        detect_frame_template(str(tmp_path))
    assert err.value.kind == 'mixed_frame_names'
    assert str(tmp_path) in str(err.value)
    assert '000000.png' in str(err.value)
    assert 'img_00001.jpg' in str(err.value)


def test_a_broken_frame_link_is_named_as_such(tmp_path):
    touch(tmp_path, '000000.png')
    os.symlink(tmp_path / 'gone.png', tmp_path / '000001.png')
    with pytest.raises(FrameFolderError) as err:
        scan_frame_folder(str(tmp_path))
    assert err.value.kind == 'broken_symlink'
    assert (f'{tmp_path / "000001.png"} is a broken symbolic link to '
            f'{tmp_path / "gone.png"}') in str(err.value)


def test_a_folder_without_frames_is_named(tmp_path):
    (tmp_path / 'notes.txt').write_text('x')
    with pytest.raises(FrameFolderError) as err:
        scan_frame_folder(str(tmp_path))
    assert err.value.kind == 'empty_video'
    assert str(tmp_path) in str(err.value)


@pytest.mark.parametrize('ext', ['tif', 'tiff', 'webp'])
def test_tiff_and_webp_frames_are_frames(tmp_path, ext):
    for i in range(2):
        img = np.full((8, 6, 3), 40 * (i + 1), np.uint8)
        assert cv2.imwrite(str(tmp_path / f'{i:03d}.{ext}'), img)
    sequence = scan_frame_folder(str(tmp_path))
    assert sequence.filename_tmpl == f'{{:03}}.{ext}'
    frames, shape = read_frames(sequence.files)
    assert shape == (8, 6)
    assert [int(f[0, 0, 0]) for f in frames] == [40, 80]


def test_read_frames_refuses_frames_of_different_sizes(tmp_path):
    paths = []
    for name, (height, width) in (('a.png', (8, 6)), ('b.png', (8, 6)),
                                  ('c.png', (6, 8))):
        paths.append(str(tmp_path / name))
        Image.fromarray(np.full((height, width, 3), 7, np.uint8)).save(
            paths[-1])
    frames, shape = read_frames(paths[:2])
    assert [f.shape for f in frames] == [(8, 6, 3), (8, 6, 3)] and shape == (
        8, 6)
    assert int(frames[1][0, 0, 0]) == 7
    with pytest.raises(ValueError) as err:
        read_frames(paths)
    assert paths[2] in str(err.value) and paths[0] in str(err.value)


def test_read_frames_transforms_each_frame_and_keeps_the_stored_size(
        tmp_path):
    path = str(tmp_path / 'a.png')
    cv2.imwrite(path, np.full((40, 60, 3), 9, np.uint8))
    frames, shape = read_frames([path],
                                lambda f: cv2.resize(f, (15, 10)))
    assert frames[0].shape == (10, 15, 3) and shape == (40, 60)


def test_12_bit_frames_read_as_their_8_bit_equivalent(tmp_path):
    """12-bit data in 16-bit PNGs used to be divided by 257 (nearly
    black); they are read by the range they use, with a warning."""
    rng = np.random.default_rng(0)
    eight = rng.integers(0, 256, (2, 12, 10), dtype=np.uint8)
    eight[0, 0, 0] = 255
    paths = []
    for i, frame in enumerate(eight):
        paths.append(str(tmp_path / f'{i}.png'))
        assert cv2.imwrite(paths[-1], frame.astype(np.uint16) * 16)
    with pytest.warns(HighBitDepthWarning, match='up to 4080: read as '
                      '12-bit data'):
        frames, _ = read_frames(paths)
    for frame, expected in zip(frames, eight):
        assert frame.dtype == np.uint8
        diff = np.abs(frame[..., 0].astype(int) - expected)
        assert diff.max() <= 1


def test_8_bit_frames_give_no_bit_depth_warning(tmp_path, recwarn):
    path = str(tmp_path / '0.png')
    cv2.imwrite(path, np.full((4, 4), 200, np.uint8))
    frames, _ = read_frames([path])
    assert int(frames[0][0, 0, 0]) == 200
    assert not [w for w in recwarn if w.category is HighBitDepthWarning]
