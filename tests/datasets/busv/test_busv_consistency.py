"""BUSV checks across records and of the pixels: one frame sequence per
video folder, unique ids, sane boxes, and (deep) the input checks and frames
shared by two videos. On damaged copies of generated data."""
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest

from kga_mmaction.datasets.busv import BUSVDataset, index_busv_root
from kga_mmaction.datasets.busv.lesion_areas import (BOX_OVERHANG,
                                                     box_error)


def problems_of(root, deep=False):
    return [(p.kind, p.path, p.detail)
            for p in index_busv_root(root, deep=deep).problems]


def video_dir(root, mini, split='val', position=0):
    return osp.join(root, 'rawframes',
                    mini.busv_videos(root, split)[position])


def test_a_frame_stored_as_png_and_jpg_is_a_problem_naming_both(
        generated_busv, mini):
    folder = video_dir(generated_busv, mini)
    shutil.copy(osp.join(folder, '000001.png'),
                osp.join(folder, '000001.jpg'))
    [(kind, path, detail)] = problems_of(generated_busv)
    assert (kind, path) == ('duplicate_frame', folder)
    assert (osp.join(folder, '000001.jpg') in detail
            and osp.join(folder, '000001.png') in detail)
    with pytest.raises(ValueError, match='duplicate_frame'):
        BUSVDataset(generated_busv, split='val')


def test_a_thumbnail_is_left_out_with_a_warning(generated_busv, mini):
    folder = video_dir(generated_busv, mini)
    frames = len(os.listdir(folder))
    shutil.copy(osp.join(folder, '000000.png'),
                osp.join(folder, 'thumbnail.png'))
    index = index_busv_root(generated_busv)
    assert index.problems == []
    assert [(w.kind, w.path) for w in index.warnings] == [
        ('unexpected_file', osp.join(folder, 'thumbnail.png'))]
    video = next(v for v in index.videos if v.frame_dir == folder)
    assert video.total_frames == frames


def test_a_video_id_used_twice_is_a_problem(generated_busv, mini):
    def edit(data):
        data['videos'][1]['id'] = data['videos'][0]['id']

    mini.edit_busv_json(generated_busv, 'train', edit)
    [(kind, _, detail)] = problems_of(generated_busv)
    assert kind == 'duplicate_id' and detail.startswith('video id 1 is used')


def test_a_box_beyond_its_frame_is_a_problem(generated_busv, mini):
    def edit(data):
        data['annotations'][0]['bbox'] = [10, 10, 100, 5]  # 40x40 frame

    mini.edit_busv_json(generated_busv, 'val', edit)
    [(kind, _, detail)] = problems_of(generated_busv)
    assert kind == 'bad_box' and 'beyond the 40x40 frame' in detail


@pytest.mark.parametrize('bbox, error', [
    ([1, 2, 3, 4], None),
    ([5, 5, -3, 4], None),  # empty, as ~272 released boxes
    ([-10, 0, 50, 40], None),  # overhangs by a quarter
    ([float('nan'), 0, 1, 1], 'not finite'),
    ([0, 0, float('inf'), 1], 'not finite'),
    ([0, 0, 1e308, 1], 'beyond the 40x40 frame'),
    ([70, 0, 5, 5], 'beyond the 40x40 frame'),
])
def test_box_error(bbox, error):
    assert BOX_OVERHANG == 0.5
    assert box_error(bbox, (40, 40)) == error
    assert box_error(bbox) == (error if error == 'not finite' else None)


def test_deep_refuses_a_blank_video(generated_busv, mini):
    folder = video_dir(generated_busv, mini)
    for name in os.listdir(folder):
        cv2.imwrite(osp.join(folder, name), np.zeros((40, 40), np.uint8))
    assert problems_of(generated_busv) == []
    [(kind, path, detail)] = problems_of(generated_busv, deep=True)
    assert (kind, path) == ('blank_video', folder)
    assert detail.startswith(f'{len(os.listdir(folder))} of ')


def test_deep_reports_16_bit_frames(generated_busv, mini):
    folder = video_dir(generated_busv, mini)
    for name in os.listdir(folder):
        img = cv2.imread(osp.join(folder, name), cv2.IMREAD_GRAYSCALE)
        cv2.imwrite(osp.join(folder, name), img.astype(np.uint16) * 16)
    [(kind, path, detail)] = problems_of(generated_busv, deep=True)
    assert (kind, path) == ('high_bit_depth', folder)
    assert '(12 bits)' in detail and 'keeps only their high byte' in detail


def test_deep_reports_tiny_frames(busv_root, mini):
    folder = osp.join(busv_root, 'rawframes', 'benign', '0a1b2c3d4e5f6a7b')
    mini.write_busv_frames(folder, range(3), 16, 16)
    kinds = {(kind, path) for kind, path, _ in problems_of(busv_root, True)}
    assert ('small_frames', folder) in kinds


def test_deep_reports_a_duplicate_video_within_a_class(generated_busv, mini):
    name = mini.busv_videos(generated_busv, 'val')[0]
    mini.copy_busv_video(generated_busv, name, name + 'copy', 'val')
    [(kind, path, detail)] = problems_of(generated_busv, deep=True)
    raw = osp.join(generated_busv, 'rawframes')
    assert (kind, path) == ('shared_frames', osp.join(raw, name))
    assert detail.endswith('val: a duplicate)')


def test_a_broken_json_or_rawframes_link_is_named_as_such(generated_busv):
    json_path = osp.join(generated_busv, 'imagenet_vid_val.json')
    os.remove(json_path)
    os.symlink(json_path + '.moved', json_path)
    with pytest.raises(FileNotFoundError) as err:
        index_busv_root(generated_busv)
    assert (f'{json_path} (a broken symbolic link to {json_path}.moved)'
            in str(err.value))
    raw = osp.join(generated_busv, 'rawframes')
    shutil.rmtree(raw)
    os.symlink(raw + '.moved', raw)
    with pytest.raises(FileNotFoundError,
                       match='is a broken symbolic link to'):
        index_busv_root(generated_busv)
