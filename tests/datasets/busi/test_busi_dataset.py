"""BUSIDataset on a miniature Dataset_BUSI_with_GT (see conftest.py)."""
import os
import os.path as osp
import re
import shutil

import pytest

from kga_mmaction.datasets.busi import BUSIDataset as _BUSIDataset
from kga_mmaction.datasets.busi.index import index_busi_root
from mmaction.registry import DATASETS


def BUSIDataset(*args, **kwargs):
    """Without mmengine's serialization (its gc.collect() is slow)."""
    kwargs.setdefault('serialize_data', False)
    return _BUSIDataset(*args, **kwargs)


def infos(dataset):
    return [dataset.get_data_info(i) for i in range(len(dataset))]


def names(dataset):
    return [osp.basename(i['img_path']) for i in infos(dataset)]


def test_default_classes_leave_out_masks_and_normal(busi_root):
    dataset = BUSIDataset(busi_root)
    assert dataset.metainfo['classes'] == ('benign', 'malignant')
    assert names(dataset) == [
        'benign (1).png', 'benign (2).png', 'benign (3).png',
        'benign (10).png', 'malignant (1).png', 'malignant (2).png',
        'malignant (3).png'
    ]
    assert [i['label'] for i in infos(dataset)] == [0, 0, 0, 0, 1, 1, 1]
    assert all(osp.isabs(i['img_path']) for i in infos(dataset))
    assert all('_mask' not in osp.basename(i['img_path'])
               for i in infos(dataset))


def test_masks_matched_by_exact_stem(busi_root):
    by_name = {
        osp.basename(i['img_path']): i
        for i in infos(BUSIDataset(busi_root))
    }
    benign = osp.join(busi_root, 'benign')
    assert by_name['benign (1).png']['mask_paths'] == [
        osp.join(benign, 'benign (1)_mask.png')
    ]
    assert by_name['benign (10).png']['mask_paths'] == [
        osp.join(benign, 'benign (10)_mask.png')
    ]
    assert by_name['benign (2).png']['mask_paths'] == [
        osp.join(benign, 'benign (2)_mask.png'),
        osp.join(benign, 'benign (2)_mask_1.png')
    ]
    assert [
        osp.basename(p) for p in by_name['malignant (2).png']['mask_paths']
    ] == [
        'malignant (2)_mask.png', 'malignant (2)_mask_1.png',
        'malignant (2)_mask_2.png'
    ]


def test_parent_folder_accepted(busi_root):
    parent = osp.dirname(busi_root)
    assert infos(BUSIDataset(parent)) == infos(BUSIDataset(busi_root))


def test_include_normal(busi_root):
    dataset = DATASETS.build(
        dict(
            type='BUSIDataset',
            data_root=busi_root,
            classes=('benign', 'malignant', 'normal')))
    assert dataset.metainfo['classes'] == ('benign', 'malignant', 'normal')
    assert len(dataset) == 8
    assert names(dataset)[-1] == 'normal (1).png'
    assert dataset.get_data_info(7)['label'] == 2


def test_pipeline_packs_every_mode_to_nchw(busi_root):
    pipeline = [
        dict(type='LoadImageAsFrames'),
        dict(type='Resize', scale=(16, 12), keep_ratio=False),
        dict(type='FormatShape', input_format='NCHW'),
        dict(type='PackActionInputs'),
    ]
    dataset = _BUSIDataset(
        busi_root,
        classes=('benign', 'malignant', 'normal'),
        pipeline=pipeline)
    for i in range(len(dataset)):
        packed = dataset[i]
        assert tuple(packed['inputs'].shape) == (1, 3, 12, 16)
        assert packed['data_samples'].gt_label.item() == (
            dataset.get_data_info(i)['label'])


def test_warnings_do_not_fail(busi_root):
    orphan = osp.join(busi_root, 'benign', 'benign (7)_mask.png')
    shutil.copy(osp.join(busi_root, 'benign', 'benign (1)_mask.png'), orphan)
    os.remove(osp.join(busi_root, 'malignant', 'malignant (1)_mask.png'))
    assert len(BUSIDataset(busi_root)) == 7
    index = index_busi_root(busi_root, ('benign', 'malignant'))
    assert not index.problems
    assert {(w.kind, osp.basename(w.path))
            for w in index.warnings} == {('orphan_mask',
                                          'benign (7)_mask.png'),
                                         ('missing_mask', 'malignant (1).png')}


def test_unknown_class_folder(busi_root):
    os.makedirs(osp.join(busi_root, 'Benign'))
    with pytest.raises(ValueError) as err:
        BUSIDataset(busi_root)
    assert f'unknown_label: {osp.join(busi_root, "Benign")}' in str(err.value)


def test_missing_class_folder(busi_root):
    shutil.rmtree(osp.join(busi_root, 'malignant'))
    with pytest.raises(FileNotFoundError) as err:
        BUSIDataset(busi_root)
    assert f'missing_class_dir: {osp.join(busi_root, "malignant")}' in str(
        err.value)


def test_class_without_images(busi_root):
    benign = osp.join(busi_root, 'benign')
    for name in os.listdir(benign):
        if '_mask' not in name:
            os.remove(osp.join(benign, name))
    with pytest.raises(ValueError) as err:
        BUSIDataset(busi_root)
    assert f'empty_class: {benign}' in str(err.value)


def test_empty_image_file(busi_root):
    path = osp.join(busi_root, 'malignant', 'malignant (3).png')
    open(path, 'wb').close()
    with pytest.raises(ValueError) as err:
        BUSIDataset(busi_root)
    assert f'unreadable_file: {path}' in str(err.value)


def test_corrupt_image_header_caught_at_build(busi_root):
    """The build reads headers, as tools/data/check_dataset.py does: a file
    that is not an image fails there, not mid-training."""
    path = osp.join(busi_root, 'benign', 'benign (10).png')
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n truncated')
    with pytest.raises(ValueError) as err:
        BUSIDataset(busi_root)
    assert f'unreadable_file: {path}' in str(err.value)


def test_truncated_image_caught_by_deep_check_and_named_at_load(busi_root):
    """A PNG cut after its header passes the header read; deep_check decodes
    it, and loading it names the file."""
    path = osp.join(busi_root, 'benign', 'benign (10).png')
    with open(path, 'rb') as f:
        data = f.read()
    with open(path, 'wb') as f:
        f.write(data[:len(data) // 2])
    dataset = BUSIDataset(busi_root,
                          pipeline=[dict(type='LoadImageAsFrames')])
    index = [d['img_path'] for d in dataset.load_data_list()].index(path)
    with pytest.raises(ValueError, match=re.escape(path)):
        dataset[index]
    with pytest.raises(ValueError) as err:
        BUSIDataset(busi_root, deep_check=True)
    assert f'unreadable_file: {path}' in str(err.value)


def test_root_not_found(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        BUSIDataset(str(tmp_path))
    assert str(tmp_path / 'Dataset_BUSI_with_GT') in str(err.value)


def test_invalid_classes(busi_root):
    with pytest.raises(ValueError, match='classes'):
        BUSIDataset(busi_root, classes=('benign', 'cyst'))
    with pytest.raises(ValueError, match='classes'):
        BUSIDataset(busi_root, classes=('benign', 'benign'))
