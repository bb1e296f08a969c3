"""VideoListDataset: users' own frame folders or video files."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.logging import MMLogger
from PIL import Image

from kga_mmaction.datasets.video_list_dataset import \
    VideoListDataset as _VideoListDataset


def VideoListDataset(*args, **kwargs):
    """Without mmengine's serialization (its gc.collect() is slow)."""
    kwargs.setdefault('serialize_data', False)
    return _VideoListDataset(*args, **kwargs)


def write_frames(folder, names, size=(24, 32)):
    """Frames whose red channel is 10 * (position in ``names``)."""
    os.makedirs(folder, exist_ok=True)
    for i, name in enumerate(names):
        frame = np.zeros(size + (3, ), np.uint8)
        frame[..., 0] = 10 * i
        Image.fromarray(frame).save(osp.join(folder, name))


def write_video(path, num_frames=6, size=(24, 32)):
    height, width = size
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), 5,
                             (width, height))
    assert writer.isOpened()
    for i in range(num_frames):
        writer.write(np.full((height, width, 3), 30 * i, np.uint8))
    writer.release()


def write_list(path, lines):
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return str(path)


def load_error(tmp_path, lines, video_dir, error=ValueError):
    """Write ``lines`` as a list file; return it and the message of the
    ``error`` that loading it raises."""
    ann = write_list(tmp_path / 'list.txt', lines)
    with pytest.raises(error) as err:
        VideoListDataset(ann, data_prefix=dict(video=str(video_dir)))
    return ann, str(err.value)


@pytest.fixture
def frame_folders(tmp_path):
    """BUSV-style and MMAction2-style frame folders, one with spaces."""
    root = tmp_path / 'my videos'
    write_frames(str(root / 'case 1'), [f'{i:06d}.png' for i in range(5)])
    write_frames(
        str(root / 'case2'), [f'img_{i:05d}.jpg' for i in range(1, 4)])
    return root


def test_frame_folders_with_spaces_names_and_ints(tmp_path, frame_folders):
    ann = write_list(tmp_path / 'list.txt', [
        '# my own cases',
        'case 1 malignant',
        '',
        f'{frame_folders / "case2"}   0',
    ])
    dataset = VideoListDataset(ann, data_prefix=dict(video=str(frame_folders)))
    first, second = (dataset.get_data_info(i) for i in range(2))
    assert first['frame_dir'] == str(frame_folders / 'case 1')
    assert (first['total_frames'], first['filename_tmpl'],
            first['start_index'], first['label']) == (5, '{:06}.png', 0, 1)
    assert first['video_id'] == 'case 1'
    assert (second['total_frames'], second['filename_tmpl'],
            second['start_index'], second['label']) == (3, 'img_{:05}.jpg', 1,
                                                        0)


def test_frame_folder_pipeline_honours_start_index(tmp_path, frame_folders,
                                                   mini):
    ann = write_list(tmp_path / 'list.txt',
                     ['case 1 benign', 'case2 malignant'])
    pipeline = mini.clip_pipeline(3)
    dataset = _VideoListDataset(
        ann, pipeline=pipeline, data_prefix=dict(video=str(frame_folders)))
    packed = dataset[1]  # img_00001.jpg ... img_00003.jpg, start_index 1
    assert tuple(packed['inputs'].shape) == (3, 3, 16, 16)
    reds = sorted(packed['inputs'][:, 0, 0, 0].tolist())
    assert all(abs(r - e) <= 2 for r, e in zip(reds, [0, 10, 20]))  # jpeg
    assert packed['data_samples'].gt_label.item() == 1
    assert tuple(dataset[0]['inputs'].shape) == (3, 3, 16, 16)


def test_video_files_with_decord_pipeline(tmp_path, mini):
    write_video(str(tmp_path / 'clip one.avi'))
    write_video(str(tmp_path / 'clip2.avi'), num_frames=4)
    ann = write_list(tmp_path / 'videos.txt',
                     ['clip one.avi benign', 'clip2.avi 1'])
    pipeline = mini.clip_pipeline(3, decode='DecordDecode', init='DecordInit')
    dataset = _VideoListDataset(
        ann, pipeline=pipeline, data_prefix=dict(video=str(tmp_path)))
    info = dataset.get_data_info(0)
    assert info['filename'] == str(tmp_path / 'clip one.avi')
    assert info['label'] == 0 and 'frame_dir' not in info
    for i in range(2):
        assert tuple(dataset[i]['inputs'].shape) == (3, 3, 16, 16)
    assert dataset[1]['data_samples'].gt_label.item() == 1


def test_mixing_folders_and_files_is_refused(tmp_path, frame_folders):
    write_video(str(frame_folders / 'clip.avi'))
    ann, message = load_error(tmp_path,
                              ['case 1 benign', 'clip.avi malignant'],
                              frame_folders)
    assert f'mixed_media: {ann}' in message
    assert 'line 1' in message and str(frame_folders / 'case 1') in message
    assert 'line 2' in message and str(frame_folders / 'clip.avi') in message


def test_unknown_label_names_list_line_and_path(tmp_path, frame_folders):
    ann, message = load_error(tmp_path,
                              ['case 1 benign', 'case2 cancer', 'case2 2'],
                              frame_folders)
    assert 'has 2 problem(s)' in message
    path = str(frame_folders / 'case2')
    assert f"unknown_label: {path} ({ann} line 2: label 'cancer'" in message
    assert f"unknown_label: {path} ({ann} line 3: label '2'" in message


def test_missing_path(tmp_path, frame_folders):
    ann, message = load_error(tmp_path, ['case 1 benign', 'case 9 benign'],
                              frame_folders, FileNotFoundError)
    path = frame_folders / 'case 9'
    assert f'missing_path: {path} ({ann} line 2' in message


def test_empty_folder_and_gap(tmp_path, frame_folders):
    os.makedirs(frame_folders / 'empty')
    write_frames(
        str(frame_folders / 'gappy'),
        ['000000.png', '000001.png', '000003.png'])
    ann, message = load_error(tmp_path, ['empty benign', 'gappy malignant'],
                              frame_folders)
    assert f'empty_video: {frame_folders / "empty"} ({ann} line 1' in message
    assert f'frame_gap: {frame_folders / "gappy"} ({ann} line 2' in message
    assert str(frame_folders / 'gappy' / '000002.png') in message


def test_line_without_label_and_unknown_file_type(tmp_path, frame_folders):
    (frame_folders / 'notes.txt').write_text('x')
    ann, message = load_error(tmp_path, ['case1', 'notes.txt benign'],
                              frame_folders)
    assert f'bad_line: case1 ({ann} line 1' in message
    assert f'unknown_media: {frame_folders / "notes.txt"} ({ann} line 2' in (
        message)


def test_missing_or_empty_list_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        VideoListDataset(str(tmp_path / 'nope.txt'))
    ann = write_list(tmp_path / 'empty.txt', ['# nothing'])
    with pytest.raises(ValueError, match='no entries'):
        VideoListDataset(ann)


def test_classes_option(tmp_path, frame_folders):
    ann = write_list(tmp_path / 'list.txt', ['case 1 normal', 'case2 2'])
    dataset = VideoListDataset(
        ann,
        classes=('benign', 'malignant', 'normal'),
        data_prefix=dict(video=str(frame_folders)))
    assert dataset.metainfo['classes'] == ('benign', 'malignant', 'normal')
    assert [dataset.get_data_info(i)['label'] for i in range(2)] == [2, 2]


# ---------------------------------------------- one sequence per folder ---


def test_a_frame_stored_as_png_and_jpg_is_refused_naming_both(
        tmp_path, frame_folders):
    write_frames(str(frame_folders / 'case 1'),
                 [f'{i:06d}.jpg' for i in range(5)])
    ann, message = load_error(tmp_path, ['case 1 benign'], frame_folders)
    folder = frame_folders / 'case 1'
    assert f'duplicate_frame: {folder} ({ann} line 1' in message
    assert (str(folder / '000000.jpg') in message
            and str(folder / '000000.png') in message)


def test_an_image_without_a_frame_number_is_left_out_with_a_warning(
        tmp_path, frame_folders, caplog):
    write_frames(str(frame_folders / 'case 1'), ['thumbnail.png'])
    ann = write_list(tmp_path / 'list.txt', ['case 1 benign'])
    logger = MMLogger.get_current_instance()
    logger.addHandler(caplog.handler)
    try:
        dataset = VideoListDataset(
            ann, data_prefix=dict(video=str(frame_folders)))
    finally:
        logger.removeHandler(caplog.handler)
    assert dataset.get_data_info(0)['total_frames'] == 5
    warnings = [r.getMessage() for r in caplog.records
                if r.levelname == 'WARNING']
    assert any(f'{ann} line 1' in w and 'thumbnail.png' in w
               for w in warnings), warnings


def test_a_path_listed_twice_is_refused(tmp_path, frame_folders):
    ann, message = load_error(
        tmp_path, ['case 1 benign', 'case2 benign', 'case 1 malignant'],
        frame_folders)
    assert (f'duplicate_entry: {frame_folders / "case 1"} ({ann} lists it '
            'on lines 1 and 3, a label conflict (benign vs malignant))'
            ) in message


def test_a_broken_link_is_named_as_such(tmp_path, frame_folders):
    os.symlink(tmp_path / 'gone', frame_folders / 'case 3')
    ann, message = load_error(tmp_path, ['case 1 benign', 'case 3 benign'],
                              frame_folders, FileNotFoundError)
    assert (f'broken_symlink: {frame_folders / "case 3"} ({ann} line 2: '
            f'broken symbolic link to {tmp_path / "gone"})') in message


def test_a_video_without_extension_and_a_bom_list(tmp_path):
    write_video(str(tmp_path / 'clip.avi'))
    os.rename(tmp_path / 'clip.avi', tmp_path / 'clip')
    (tmp_path / 'notes').write_text('not a video')
    ann = tmp_path / 'videos.txt'
    ann.write_bytes(b'\xef\xbb\xbfclip benign\n')
    dataset = VideoListDataset(str(ann), data_prefix=dict(video=str(
        tmp_path)))
    assert dataset.get_data_info(0)['filename'] == str(tmp_path / 'clip')
    _, message = load_error(tmp_path, ['notes benign'], tmp_path)
    assert f'unknown_media: {tmp_path / "notes"}' in message
