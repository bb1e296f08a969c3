"""The frame-folder reader every caller shares."""
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from kga_mmaction.datasets.frame_folder import (FrameFolderError,
                                                detect_frame_template,
                                                frame_entries, list_frames,
                                                read_frames)


@pytest.mark.parametrize('names, expected', [
    ([f'{i:06d}.png' for i in range(3)], ('{:06}.png', 0, 3)),
    ([f'img_{i:05d}.jpg' for i in range(1, 4)], ('img_{:05}.jpg', 1, 3)),
    ([f'img_{i:05d}.jpg'
      for i in range(9998, 10002)], ('img_{:05}.jpg', 9998, 4)),
    ([f'{i}.png' for i in range(8, 12)], ('{}.png', 8, 4)),
    ([f'frame{i:04d}.bmp' for i in range(2)], ('frame{:04}.bmp', 0, 2)),
])
def test_detect_frame_template(tmp_path, names, expected):
    for name in names:
        (tmp_path / name).write_bytes(b'x')
    (tmp_path / '.DS_Store').write_bytes(b'x')
    assert detect_frame_template(str(tmp_path)) == expected


def test_detect_frame_template_refuses_mixed_names(tmp_path):
    for name in ('000000.png', '000001.png', 'img_00001.jpg'):
        (tmp_path / name).write_bytes(b'x')
    with pytest.raises(FrameFolderError, match='several frame naming') as err:
        detect_frame_template(str(tmp_path))
    assert err.value.kind == 'mixed_frame_names'
    assert str(tmp_path) in str(err.value)


def test_frame_entries_keep_frame_files_in_natural_order(tmp_path):
    for name in ('f10.png', 'f2.JPG', 'f1.bmp', 'notes.txt', '.hidden.png'):
        (tmp_path / name).write_bytes(b'x')
    (tmp_path / 'sub.png').mkdir()  # a folder is never a frame
    frames, others = frame_entries(str(tmp_path))
    assert [entry.name for entry in frames] == ['f1.bmp', 'f2.JPG', 'f10.png']
    assert others == 2  # notes.txt and sub.png/
    assert list_frames(str(tmp_path)) == [
        osp.join(str(tmp_path), name) for name in ('f1.bmp', 'f2.JPG',
                                                   'f10.png')
    ]


def test_list_frames_of_a_folder_without_frames_names_it(tmp_path):
    (tmp_path / 'notes.txt').write_text('x')
    with pytest.raises(FrameFolderError) as err:
        list_frames(str(tmp_path))
    assert err.value.kind == 'empty_video'
    assert str(tmp_path) in str(err.value)


def test_read_frames_refuses_frames_of_different_sizes(tmp_path):
    paths = []
    for name, (height, width) in (('a.png', (8, 6)), ('b.png', (8, 6)),
                                  ('c.png', (6, 8))):
        paths.append(str(tmp_path / name))
        Image.fromarray(np.full((height, width, 3), 7, np.uint8)).save(
            paths[-1])
    frames = read_frames(paths[:2])
    assert [f.shape for f in frames] == [(8, 6, 3), (8, 6, 3)]
    assert int(frames[1][0, 0, 0]) == 7
    with pytest.raises(ValueError) as err:
        read_frames(paths)
    assert paths[2] in str(err.value) and paths[0] in str(err.value)
