"""BUSVDataset on a miniature BUSV tree (see conftest.py)."""
import logging
import os
import os.path as osp
import shutil

import numpy as np
import pytest
from mmengine.logging import MMLogger
from PIL import Image

from kga_mmaction.datasets.busv import BUSVDataset as _BUSVDataset
from kga_mmaction.datasets.busv.split_variants import (BUSV_DUPLICATES,
                                                       BUSV_LEAKING)
from mmaction.registry import DATASETS


def BUSVDataset(*args, **kwargs):
    """BUSVDataset without mmengine's serialization (its gc.collect() costs
    ~0.4 s per dataset); the config and pipeline tests keep it."""
    kwargs.setdefault('serialize_data', False)
    return _BUSVDataset(*args, **kwargs)


def infos(dataset):
    return [dataset.get_data_info(i) for i in range(len(dataset))]


def expected_labels(videos):
    return {name: int(name.startswith('malignant/')) for name, _, _ in videos}


def test_official_split_counts_labels_and_fields(busv_root, mini):
    train = BUSVDataset(busv_root, split='train')
    val = BUSVDataset(busv_root, split='val', test_mode=True)
    assert train.metainfo['classes'] == ('benign', 'malignant')
    train_infos = {i['video_name']: i for i in infos(train)}
    val_infos = {i['video_name']: i for i in infos(val)}
    assert {
        n: i['label']
        for n, i in train_infos.items()
    } == expected_labels(mini.BUSV_TRAIN)
    assert {
        n: i['label']
        for n, i in val_infos.items()
    } == expected_labels(mini.BUSV_VAL)
    assert len(train) == 8 and len(val) == 4

    info = train_infos['benign/x28f299ceb056964c']
    frame_dir = osp.join(busv_root, 'rawframes', 'benign', 'x28f299ceb056964c')
    assert info['frame_dir'] == osp.abspath(frame_dir)
    assert osp.isabs(info['frame_dir'])
    assert info['total_frames'] == len(os.listdir(frame_dir)) == 4
    assert info['filename_tmpl'] == '{:06}.png'
    assert info['start_index'] == 0
    assert info['video_id'] == 'x28f299ceb056964c'
    # Ids of 15 characters without the leading x.
    assert train_infos['benign/2390fbea047347b']['video_id'] == (
        '2390fbea047347b')
    # Sizes from the JSON: the non-square and the 670x670 video.
    non_square = train_infos['benign/2390fbea047347b']
    assert (non_square['height'], non_square['width']) == (32, 48)
    big = val_infos['malignant/x0f1e2d3c4b5a6978']
    assert (big['height'], big['width']) == (670, 670)


def test_registered_and_built_from_config(busv_root):
    dataset = DATASETS.build(
        dict(
            type='BUSVDataset',
            data_root=busv_root,
            split='val',
            split_variant='clean'))
    assert isinstance(dataset, _BUSVDataset)
    assert len(dataset) == 4


def test_annotations_folder_layout_gives_same_list(busv_root,
                                                   busv_root_annotations):
    for split in ('train', 'val'):
        released = infos(BUSVDataset(busv_root, split=split))
        annotations = infos(BUSVDataset(busv_root_annotations, split=split))
        strip = [{
            k: v
            for k, v in i.items() if k != 'frame_dir'
        } for i in released]
        assert strip == [{
            k: v
            for k, v in i.items() if k != 'frame_dir'
        } for i in annotations]
        assert all(i['frame_dir'].startswith(busv_root_annotations)
                   for i in annotations)


def test_clean_variant_drops_and_relabels(busv_root):
    official = {
        i['video_name']: i['label']
        for i in infos(BUSVDataset(busv_root, split='train'))
    }
    clean = {
        i['video_name']: i['label']
        for i in infos(
            BUSVDataset(busv_root, split='train', split_variant='clean'))
    }
    removed = set(BUSV_DUPLICATES) | set(BUSV_LEAKING)
    assert removed <= set(official)  # the miniature holds every one
    assert set(clean) == set(official) - removed
    assert official['benign/x63c9ba1377f35bf6'] == 0
    assert clean['benign/x63c9ba1377f35bf6'] == 1
    assert clean == {
        'benign/x28f299ceb056964c': 0,
        'benign/2390fbea047347b': 0,
        'benign/x63c9ba1377f35bf6': 1,
        'malignant/x3b88488853e8b7d1': 1,
    }
    val_clean = {
        i['video_name']: i['label']
        for i in infos(
            BUSVDataset(busv_root, split='val', split_variant='clean'))
    }
    assert val_clean['benign/x5a1c46ec6377e946'] == 1
    # The val side of the leak is kept: only the train copy is removed.
    assert 'malignant/x9c1c965d274c457' in val_clean
    assert sum(val_clean.values()) == 3 and len(val_clean) == 4


def test_logs_split_variant_and_class_counts(busv_root):
    records = []

    class Collect(logging.Handler):

        def emit(self, record):
            records.append(record.getMessage())

    logger = MMLogger.get_current_instance()
    handler = Collect(level=logging.INFO)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        BUSVDataset(busv_root, split='train', split_variant='clean')
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    message = next(r for r in records if r.startswith('BUSVDataset'))
    assert 'split=train' in message
    assert 'split_variant=clean' in message
    assert 'benign 2, malignant 2' in message
    assert 'x66ef02e7f1b9a0ef' in message


def test_mmaction_rawframe_pipeline(busv_root, mini):
    pipeline = mini.clip_pipeline(4)
    for split in ('train', 'val'):
        dataset = BUSVDataset(
            busv_root,
            split=split,
            pipeline=pipeline,
            test_mode=True,
            serialize_data=True)
        for i in range(len(dataset)):
            info = dataset.get_data_info(i)
            packed = dataset[i]
            inputs = packed['inputs']
            assert tuple(inputs.shape) == (4, 3, 16, 16)
            assert packed['data_samples'].gt_label.item() == info['label']
            assert packed['data_samples'].metainfo['video_id'] == (
                info['video_id'])
            # Red = 10 * frame index, RGB order, frames within the video.
            reds = inputs[:, 0, 0, 0].numpy()
            assert set(reds.tolist()) <= {
                10 * f
                for f in range(info['total_frames'])
            }
            assert np.all(inputs[:, 1].numpy() == 100)
            assert np.all(inputs[:, 2].numpy() == 200)
    # Every frame of a 4-frame video is taken once with 4 clips.
    dataset = BUSVDataset(
        busv_root, split='train', pipeline=pipeline, test_mode=True)
    index = next(
        i for i in range(len(dataset))
        if dataset.get_data_info(i)['video_id'] == 'x28f299ceb056964c')
    assert sorted(dataset[index]['inputs'][:, 0, 0,
                                           0].tolist()) == [0, 10, 20, 30]


def as_jpeg_video(busv_root, mini, name, split='train'):
    """Rewrite one video's frames as JPEG files and its JSON entries to
    name them (what tools/data/convert_frames.py does)."""
    frame_dir = osp.join(busv_root, 'rawframes', name)
    for png in sorted(os.listdir(frame_dir)):
        stem = osp.splitext(png)[0]
        Image.open(osp.join(frame_dir, png)).save(
            osp.join(frame_dir, stem + '.jpg'), quality=100)
        os.remove(osp.join(frame_dir, png))
    data = mini.read_busv_json(busv_root, split)
    for image in data['images']:
        if image['file_name'].startswith(name + '/'):
            image['file_name'] = image['file_name'][:-4] + '.jpg'
    mini.write_busv_json(busv_root, split, data)
    return frame_dir


def test_jpeg_frames_load_with_their_template(busv_root, mini):
    name = 'benign/x28f299ceb056964c'
    as_jpeg_video(busv_root, mini, name)
    dataset = BUSVDataset(busv_root, pipeline=mini.clip_pipeline(4),
                          test_mode=True)
    by_name = {dataset.get_data_info(i)['video_name']: i
               for i in range(len(dataset))}
    assert dataset.get_data_info(by_name[name])['filename_tmpl'] == (
        '{:06}.jpg')
    assert dataset.get_data_info(
        by_name['benign/2390fbea047347b'])['filename_tmpl'] == '{:06}.png'
    reds = dataset[by_name[name]]['inputs'][:, 0, 0, 0].tolist()
    # JPEG is lossy: the frame index still shows in the red channel
    assert np.allclose(sorted(reds), [0, 10, 20, 30], atol=3)


def test_json_naming_another_format_than_the_folder_holds(busv_root, mini):
    frame_dir = as_jpeg_video(busv_root, mini, 'benign/x28f299ceb056964c')
    data = mini.cocovid(mini.BUSV_TRAIN)  # names every frame .png again
    mini.write_busv_json(busv_root, 'train', data)
    with pytest.raises(FileNotFoundError) as err:
        BUSVDataset(busv_root)
    assert f'missing_frame: {frame_dir}' in str(err.value)
    assert 'lists its frames as .png files; the folder holds .jpg' in str(
        err.value)


def test_half_converted_video_folder_is_refused(busv_root):
    frame_dir = osp.join(busv_root, 'rawframes', 'benign', 'x28f299ceb056964c')
    Image.open(osp.join(frame_dir, '000000.png')).save(
        osp.join(frame_dir, '000000.jpg'))
    with pytest.raises(ValueError) as err:
        BUSVDataset(busv_root)
    # the frame-folder rule: the same frame number in two formats is an
    # error that names both files
    assert f'duplicate_frame: {frame_dir}' in str(err.value)
    assert (f'frame number 0 is stored twice in folder {frame_dir}'
            in str(err.value))
    for name in ('000000.png', '000000.jpg'):
        assert osp.join(frame_dir, name) in str(err.value)


# --------------------------------------------------------------- errors ---


def test_missing_frame_names_the_file(busv_root):
    path = osp.join(busv_root, 'rawframes', 'benign', 'x28f299ceb056964c',
                    '000003.png')
    os.remove(path)
    with pytest.raises(FileNotFoundError) as err:
        BUSVDataset(busv_root, split='val')  # any split checks the root
    assert f'missing_frame: {path}' in str(err.value)
    assert 'imagenet_vid_train_15frames.json' in str(err.value)


def test_missing_frame_in_the_middle_is_not_also_a_gap(busv_root):
    path = osp.join(busv_root, 'rawframes', 'benign', 'x28f299ceb056964c',
                    '000001.png')
    os.remove(path)
    with pytest.raises(FileNotFoundError) as err:
        BUSVDataset(busv_root)
    assert 'has 1 problem(s)' in str(err.value)
    assert path in str(err.value)


def test_empty_frame_file_is_unreadable(busv_root):
    path = osp.join(busv_root, 'rawframes', 'malignant', 'x3b88488853e8b7d1',
                    '000001.png')
    open(path, 'wb').close()
    with pytest.raises(ValueError) as err:
        BUSVDataset(busv_root)
    assert f'unreadable_file: {path}' in str(err.value)


def test_corrupt_frame_caught_by_deep_check_only(busv_root):
    path = osp.join(busv_root, 'rawframes', 'malignant', 'x3b88488853e8b7d1',
                    '000001.png')
    with open(path, 'wb') as f:
        f.write(b'not a png at all')
    assert len(BUSVDataset(busv_root)) == 8  # the cheap check cannot see it
    with pytest.raises(ValueError) as err:
        BUSVDataset(busv_root, deep_check=True)
    assert f'unreadable_file: {path}' in str(err.value)


def test_truncated_frame_is_named_when_the_clip_loads(busv_root):
    """A PNG cut in half passes the cheap checks; loading its clip through
    MMAction2's RawFrameDecode names the file, not a bare cv2.error."""
    frame_dir = osp.join(busv_root, 'rawframes', 'malignant',
                         'x3b88488853e8b7d1')
    path = osp.join(frame_dir, '000001.png')
    with open(path, 'rb') as f:
        data = f.read()
    with open(path, 'wb') as f:
        f.write(data[:len(data) // 2])
    dataset = BUSVDataset(busv_root, pipeline=[
        dict(type='SampleFrames', clip_len=1, num_clips=3, test_mode=True),
        dict(type='RawFrameDecode')
    ], test_mode=True)  # all 3 frames of the video
    index = next(i for i, info in enumerate(infos(dataset))
                 if info['frame_dir'] == frame_dir)
    with pytest.raises(ValueError) as err:
        dataset[index]
    assert f'frame {path} is unreadable' in str(err.value)
    assert f'cannot load a clip of {frame_dir}' in str(err.value)


def test_class_counts_in_metainfo(busv_root, mini):
    for split, videos in (('train', mini.BUSV_TRAIN), ('val', mini.BUSV_VAL)):
        labels = list(expected_labels(videos).values())
        counts = BUSVDataset(busv_root, split=split).metainfo['class_counts']
        assert counts == (labels.count(0), labels.count(1))


def test_empty_video_folder(busv_root):
    frame_dir = osp.join(busv_root, 'rawframes', 'benign', '0a1b2c3d4e5f6a7b')
    for name in os.listdir(frame_dir):
        os.remove(osp.join(frame_dir, name))
    with pytest.raises(ValueError) as err:
        BUSVDataset(busv_root, split='val')
    assert f'empty_video: {frame_dir}' in str(err.value)


def test_gap_in_numbering(busv_root, mini):
    # Frames 000000, 000001, 000003 on disk and in the JSON.
    name = 'benign/x28f299ceb056964c'
    frame_dir = osp.join(busv_root, 'rawframes', name)
    os.remove(osp.join(frame_dir, '000002.png'))
    data = mini.cocovid(mini.BUSV_TRAIN, frames_of={name: [0, 1, 3]})
    mini.write_busv_json(busv_root, 'train', data)
    with pytest.raises(ValueError) as err:
        BUSVDataset(busv_root)
    assert f'frame_gap: {osp.join(frame_dir, "000002.png")}' in str(err.value)


def test_numbering_must_start_at_zero(busv_root, mini):
    name = 'malignant/x3b88488853e8b7d1'
    frame_dir = osp.join(busv_root, 'rawframes', name)
    os.remove(osp.join(frame_dir, '000000.png'))
    data = mini.cocovid(mini.BUSV_TRAIN, frames_of={name: [1, 2]})
    mini.write_busv_json(busv_root, 'train', data)
    with pytest.raises(ValueError) as err:
        BUSVDataset(busv_root)
    assert f'frame_gap: {osp.join(frame_dir, "000000.png")}' in str(err.value)


def test_unknown_class_folder(busv_root, mini):
    frame_dir = osp.join(busv_root, 'rawframes', 'normal', 'x1234567890abcde')
    mini.write_busv_frames(frame_dir, range(2), 32, 32)
    with pytest.raises(ValueError) as err:
        BUSVDataset(busv_root)
    class_dir = osp.join(busv_root, 'rawframes', 'normal')
    assert f'unknown_label: {class_dir}' in str(err.value)


def test_unknown_label_in_json_names_json_and_entry(busv_root, mini):
    data = mini.read_busv_json(busv_root, 'val')
    data['images'][0]['file_name'] = 'Benign/x5a1c46ec6377e946/000000.png'
    json_path = mini.write_busv_json(busv_root, 'val', data)
    with pytest.raises(ValueError) as err:
        BUSVDataset(busv_root, split='train')
    message = str(err.value)
    assert f'unknown_label: {json_path}' in message
    assert "'Benign/x5a1c46ec6377e946/000000.png'" in message
    assert "label 'Benign'" in message


def test_json_entry_without_files(busv_root):
    frame_dir = osp.join(busv_root, 'rawframes', 'malignant',
                         'x9c1c965d274c457')
    shutil.rmtree(frame_dir)
    with pytest.raises(FileNotFoundError) as err:
        BUSVDataset(busv_root, split='val')
    assert f'json_entry_without_files: {frame_dir}' in str(err.value)
    assert 'imagenet_vid_val.json' in str(err.value)


def test_video_folder_in_no_json_is_a_warning(busv_root, mini, caplog):
    """A copy of BUSV with an extra frame folder loads the same split and
    names the folder in a warning."""
    before = [d['frame_dir'] for d in BUSVDataset(busv_root).data_list]
    frame_dir = osp.join(busv_root, 'rawframes', 'malignant',
                         'xdeadbeefdeadbeef')
    mini.write_busv_frames(frame_dir, range(2), 32, 32)
    logger = MMLogger.get_current_instance()
    logger.addHandler(caplog.handler)
    try:
        dataset = BUSVDataset(busv_root)
    finally:
        logger.removeHandler(caplog.handler)
    assert [d['frame_dir'] for d in dataset.data_list] == before
    warnings = [r.getMessage() for r in caplog.records
                if r.levelname == 'WARNING']
    assert any(f'video_not_in_json: {frame_dir}' in w and 'in no JSON' in w
               for w in warnings), warnings


def test_frames_on_disk_not_in_json(busv_root, mini):
    frame_dir = osp.join(busv_root, 'rawframes', 'benign', '2390fbea047347b')
    mini.write_busv_frames(frame_dir, [3], 32, 48)
    with pytest.raises(ValueError) as err:
        BUSVDataset(busv_root)
    assert f'frames_not_in_json: {osp.join(frame_dir, "000003.png")}' in str(
        err.value)


def test_video_in_both_jsons(busv_root, mini):
    name, frames, size = mini.BUSV_TRAIN[0]
    data = mini.cocovid(mini.BUSV_VAL + ((name, frames, size), ))
    mini.write_busv_json(busv_root, 'val', data)
    with pytest.raises(ValueError) as err:
        BUSVDataset(busv_root)
    assert 'video_in_both_splits: ' + osp.join(busv_root, 'rawframes',
                                               name) in str(err.value)


def test_error_lists_ten_problems_and_counts_the_rest(busv_root, mini):
    paths = []
    for name, _, _ in mini.BUSV_TRAIN + mini.BUSV_VAL:  # 12 videos
        paths.append(osp.join(busv_root, 'rawframes', name, '000000.png'))
        os.remove(paths[-1])
    with pytest.raises(FileNotFoundError) as err:
        BUSVDataset(busv_root)
    message = str(err.value)
    assert 'has 12 problem(s)' in message
    assert '... and 2 more' in message
    assert sum(p in message for p in paths) == 10
    assert 'check_dataset.py --busv' in message


def test_missing_annotation_and_rawframes(busv_root, tmp_path):
    os.remove(osp.join(busv_root, 'imagenet_vid_val.json'))
    with pytest.raises(FileNotFoundError) as err:
        BUSVDataset(busv_root)
    assert osp.join(busv_root, 'imagenet_vid_val.json') in str(err.value)
    assert osp.join(busv_root, 'annotations',
                    'instances_imagenet_vid_val.json') in str(err.value)
    empty = tmp_path / 'nothing'
    empty.mkdir()
    with pytest.raises(FileNotFoundError) as err:
        BUSVDataset(str(empty))
    assert str(empty / 'rawframes') in str(err.value)


def test_invalid_json_names_the_file(busv_root):
    path = osp.join(busv_root, 'imagenet_vid_train_15frames.json')
    with open(path, 'w') as f:
        f.write('{"images": [')
    with pytest.raises(ValueError) as err:
        BUSVDataset(busv_root)
    assert path in str(err.value)


def test_invalid_arguments(busv_root):
    with pytest.raises(ValueError, match='split'):
        BUSVDataset(busv_root, split='test')
    with pytest.raises(ValueError, match='split_variant'):
        BUSVDataset(busv_root, split_variant='fixed')
