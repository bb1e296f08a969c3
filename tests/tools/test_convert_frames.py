"""tools/data/convert_frames.py (kga_mmaction.datasets.conversion): a BUSV +
BUSI root copied at a smaller shorter side as JPEG, read by the datasets as
the original is, with sizes and lesion boxes scaled alike.

The tool's ``main`` runs in this process (a fresh one spends seconds
importing torch).
"""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from builders import load_script

from kga_mmaction.datasets import BUSIDataset, BUSVDataset
from kga_mmaction.datasets.conversion import (CONVERSION_META, scale_cocovid,
                                              scaled_size)
from kga_mmaction.synthetic import make_synthetic_datasets

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = load_script(osp.join(ROOT, 'tools', 'data', 'convert_frames.py'),
                   'kga_convert_frames_tool')
SHORT = 24


@pytest.fixture(scope='module')
def source(tmp_path_factory):
    """4 videos of 3-4 frames at 48x64 (and variants), 4 + 2 BUSI images
    of about 40x60, a normal one with its empty mask."""
    root = tmp_path_factory.mktemp('convert') / 'src'
    make_synthetic_datasets(
        str(root), busv=dict(num_benign=2, num_malignant=2, frames=(3, 4),
                             size=(48, 64), val_fraction=0.5),
        busi=dict(num_benign=2, num_malignant=2, num_normal=1,
                  size=(40, 40)), progress=False)
    return root


@pytest.fixture(scope='module')
def converted(source, tmp_path_factory):
    out = tmp_path_factory.mktemp('convert') / 'dst'
    assert TOOL.main([str(source), str(out), '--size', str(SHORT),
                      '--quality', '90', '--jobs', '2']) == 0
    return out


def files(root):
    """Relative paths of every file under ``root``."""
    return sorted(osp.relpath(osp.join(d, f), root)
                  for d, _, names in os.walk(root) for f in names)


def datasets(root):
    busv = [BUSVDataset(str(root / 'busv'), split=s, serialize_data=False)
            for s in ('train', 'val')]
    busi = BUSIDataset(str(root / 'Dataset_BUSI_with_GT'),
                       serialize_data=False)
    return busv, busi


def test_layout_is_kept_with_frames_and_images_as_jpeg(source, converted):
    expected = []
    for path in files(source):
        stem, ext = osp.splitext(path)
        if path == 'synthetic_meta.json':
            continue  # the generator's record, not the readers'
        if ext == '.png' and '_mask' not in stem:
            path = stem + '.jpg'  # frames and images; masks stay PNG
        expected.append(path)
    assert files(converted) == sorted(expected + [CONVERSION_META])
    meta = json.loads((converted / CONVERSION_META).read_text())
    assert meta['source'] == str(source)
    assert (meta['short_side'], meta['format'], meta['quality']) == (
        SHORT, 'jpg', 90)
    assert meta['busi'] == dict(benign=2, malignant=2, normal=1)


def test_sizes_follow_the_shorter_side_and_the_json(converted):
    busv, _ = datasets(converted)
    for dataset in busv:
        for i in range(len(dataset)):
            info = dataset.get_data_info(i)
            assert info['filename_tmpl'] == '{:06}.jpg'
            assert min(info['height'], info['width']) == SHORT
            for frame in range(info['total_frames']):
                img = cv2.imread(osp.join(info['frame_dir'],
                                          f'{frame:06d}.jpg'),
                                 cv2.IMREAD_UNCHANGED)
                # B-mode frames are grey: one channel
                assert img.shape == (info['height'], info['width'])
    for path in (converted / 'Dataset_BUSI_with_GT').rglob('*.*'):
        img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        assert min(img.shape[:2]) == SHORT, path
        if '_mask' in path.name:
            assert set(np.unique(img)) <= {0, 255}, path  # nearest: no blur
            image = path.parent / (path.name.split('_mask')[0] + '.jpg')
            assert img.shape[:2] == cv2.imread(str(image)).shape[:2]


def test_lesion_boxes_and_areas_scale_with_their_video(source, converted):
    (src_train, src_val), src_busi = datasets(source)
    (dst_train, dst_val), dst_busi = datasets(converted)
    for src, dst in ((src_train, dst_train), (src_val, dst_val)):
        assert len(src) == len(dst)
        for i in range(len(src)):
            a, b = src.get_data_info(i), dst.get_data_info(i)
            assert (a['video_name'], a['label'], a['total_frames']) == (
                b['video_name'], b['label'], b['total_frames'])
            factor = (b['height'] / a['height']) * (b['width'] / a['width'])
            np.testing.assert_allclose(
                np.array(a['lesion_areas']) * factor, b['lesion_areas'])
            assert any(a['lesion_areas'])
    assert [src_busi.get_data_info(i)['label'] for i in range(len(src_busi))
            ] == [dst_busi.get_data_info(i)['label']
                  for i in range(len(dst_busi))]
    with open(source / 'busv' / 'imagenet_vid_val.json') as f:
        before = json.load(f)
    with open(converted / 'busv' / 'imagenet_vid_val.json') as f:
        after = json.load(f)
    for old, new in zip(before['annotations'], after['annotations']):
        image = next(i for i in after['images'] if i['id'] == new['image_id'])
        old_image = next(i for i in before['images']
                         if i['id'] == old['image_id'])
        sy = image['height'] / old_image['height']
        sx = image['width'] / old_image['width']
        x, y, w, h = old['bbox']
        assert new['bbox'] == pytest.approx([x * sx, y * sy, w * sx, h * sy])
        assert new['area'] == pytest.approx(old['area'] * sx * sy)


def test_scale_cocovid_keeps_negative_boxes_negative():
    data = dict(images=[dict(file_name='benign/v/000000.png', height=100,
                             width=200, id=7)],
                videos=[dict(name='benign/v', height=100, width=200)],
                annotations=[dict(image_id=7, bbox=[10, 20, -4, 6],
                                  area=-24)])
    out = scale_cocovid(data, {'benign/v': (50, 50)}, 'jpg')
    assert out['images'][0] == dict(file_name='benign/v/000000.jpg',
                                    height=50, width=50, id=7)
    assert out['videos'][0]['height'] == out['videos'][0]['width'] == 50
    assert out['annotations'][0]['bbox'] == [2.5, 10., -1., 3.]
    assert out['annotations'][0]['area'] == -3.
    assert data['images'][0]['height'] == 100  # the input is untouched


def test_scaled_size_never_enlarges():
    assert scaled_size(600, 800, 256) == (256, 341)
    assert scaled_size(800, 600, 256) == (341, 256)
    assert scaled_size(200, 300, 256) == (200, 300)


def test_unreadable_frame_is_named_and_nothing_is_left(source, tmp_path,
                                                       capsys):
    broken = tmp_path / 'broken'
    for path in files(source):
        os.makedirs(osp.dirname(broken / path), exist_ok=True)
        os.link(source / path, broken / path)
    frame = next((broken / 'busv' / 'rawframes').rglob('000001.png'))
    os.remove(frame)
    frame.write_bytes(b'not a png')
    out = tmp_path / 'out'
    assert TOOL.main([str(broken), str(out), '--size', str(SHORT)]) == 2
    assert str(frame) in capsys.readouterr().err
    assert os.listdir(tmp_path) == ['broken']  # no output, no temp dir


def test_source_problems_and_targets_are_refused(source, converted,
                                                 tmp_path, capsys):
    assert TOOL.main([str(source), str(converted)]) == 2
    assert 'pass --overwrite' in capsys.readouterr().err
    assert TOOL.main([str(source), str(source / 'copy')]) == 2
    assert 'inside the source' in capsys.readouterr().err
    (tmp_path / 'empty').mkdir()
    assert TOOL.main([str(tmp_path / 'empty'), str(tmp_path / 'x')]) == 2
    assert 'neither a BUSV root' in capsys.readouterr().err
    # a video folder of two formats: the BUSV index's problem (a frame number
    # stored twice), with its path
    mixed = tmp_path / 'mixed'
    for path in files(converted):
        os.makedirs(osp.dirname(mixed / path), exist_ok=True)
        os.link(converted / path, mixed / path)
    frame = next((mixed / 'busv' / 'rawframes').rglob('000000.jpg'))
    os.link(frame, frame.with_suffix('.png'))
    assert TOOL.main([str(mixed), str(tmp_path / 'out')]) == 2
    assert f'duplicate_frame: {frame.parent}' in capsys.readouterr().err
