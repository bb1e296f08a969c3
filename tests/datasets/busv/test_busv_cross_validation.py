"""BUSVDataset(cross_validation=...) on a miniature BUSV tree (conftest.py).
"""
import logging

import pytest
from mmengine.logging import MMLogger

from kga_mmaction.datasets.busv import BUSVDataset, CrossValidation
from kga_mmaction.datasets.busv.split_variants import (
    BUSV_DUPLICATES, BUSV_LEAKING, BUSV_RELABEL_TO_MALIGNANT)


def load(root, split_variant='official', split='train', **cross_validation):
    dataset = BUSVDataset(root, split=split, split_variant=split_variant,
                          serialize_data=False,
                          cross_validation=cross_validation)
    return {
        info['video_name']: info['label']
        for info in map(dataset.get_data_info, range(len(dataset)))
    }


def test_parts_pool_both_jsons_and_partition_them(busv_root, mini):
    everything = {
        name: int(name.startswith('malignant/'))
        for name, _, _ in mini.BUSV_TRAIN + mini.BUSV_VAL
    }
    tested = {}
    for fold in range(2):
        parts = {
            part: load(busv_root, num_folds=2, fold=fold, seed=3, part=part)
            for part in ('train', 'inner_val', 'test')
        }
        names = [set(p) for p in parts.values()]
        assert sum(map(len, names)) == len(set.union(*names))  # disjoint
        assert {k: v for p in parts.values() for k, v in p.items()} == (
            everything)
        for part in parts.values():  # every part holds both classes
            assert set(part.values()) == {0, 1}
        assert not set(parts['test']) & set(tested)
        tested.update(parts['test'])
    assert tested == everything
    # `split` is ignored: both JSONs are pooled whatever it says
    assert load(busv_root, split='val', num_folds=2, fold=0, seed=3) == load(
        busv_root, num_folds=2, fold=0, seed=3)


def test_clean_variant_is_applied_before_the_folds(busv_root):
    pooled = {}
    for fold in range(3):
        pooled.update(load(busv_root, 'clean', num_folds=3, fold=fold))
    assert not set(pooled) & (set(BUSV_DUPLICATES) | set(BUSV_LEAKING))
    assert all(pooled[name] == 1 for name in BUSV_RELABEL_TO_MALIGNANT)
    assert sorted(pooled.values()) == [0] * 3 + [1] * 5


def test_log_names_part_fold_and_class_counts(busv_root, caplog):
    logger = MMLogger.get_current_instance()
    old_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(caplog.handler)
    try:
        videos = load(busv_root, num_folds=2, fold=1, seed=0, part='test')
    finally:
        logger.removeHandler(caplog.handler)
        logger.setLevel(old_level)
    malignant = sum(videos.values())
    message = next(r.getMessage() for r in caplog.records
                   if 'cross-validation' in r.getMessage())
    assert 'part=test of fold 1/2 (seed 0' in message
    assert (f'{len(videos)} videos (benign {len(videos) - malignant}, '
            f'malignant {malignant})') in message
    assert 'imagenet_vid_train_15frames.json and ' in message


@pytest.mark.parametrize('cross_validation, message', [
    (dict(num_folds=2), 'cross_validation needs fold'),
    (dict(num_folds=2, fold=0, folds=3), 'unknown cross_validation key'),
    (dict(num_folds=1, fold=0), 'num_folds must be >= 2, got 1'),
    (dict(num_folds=3, fold=3), r'fold must be in \[0, 3\), got 3'),
    (dict(num_folds=2, fold=0, part='val'), "got 'val'"),
    (dict(num_folds=2, fold=0, inner_val_fraction=0),
     r'inner_val_fraction must be in \(0, 1\), got 0'),
])
def test_bad_arguments_are_named(busv_root, cross_validation, message):
    with pytest.raises(ValueError, match=message):
        BUSVDataset(busv_root, cross_validation=cross_validation)


def test_too_many_folds_for_a_class_are_refused(busv_root):
    # the clean variant leaves 3 benign videos
    with pytest.raises(ValueError, match='num_folds=4 exceeds the 3 videos'):
        load(busv_root, 'clean', num_folds=4, fold=0)
    # 2 folds leave a single benign video for inner validation and training
    with pytest.raises(ValueError, match='training folds of fold 0/2 hold 1 '
                       'video of class 0'):
        load(busv_root, 'clean', num_folds=2, fold=0)


def test_spec_describes_itself():
    spec = CrossValidation(num_folds=5, fold=2, seed=1, part='inner_val')
    assert spec.describe() == ('cross-validation part=inner_val of fold 2/5 '
                               '(seed 1, inner_val_fraction 0.2)')
