"""Stratified K-fold splits and the inner validation share (pure)."""
from collections import Counter

import numpy as np
import pytest

from kga_mmaction.datasets.busv import (cross_validation_parts,
                                        stratified_folds, stratified_share)


def videos(num_benign, num_malignant):
    """Keys and labels (0 benign, 1 malignant), benign first."""
    keys = [f'benign/b{i:03d}' for i in range(num_benign)]
    keys += [f'malignant/m{i:03d}' for i in range(num_malignant)]
    return keys, [0] * num_benign + [1] * num_malignant


@pytest.mark.parametrize('num_folds', [2, 3, 5])
def test_folds_partition_and_stratify(num_folds):
    keys, labels = videos(17, 26)
    folds = stratified_folds(keys, labels, num_folds, seed=0)
    assert sorted(set(folds)) == list(range(num_folds))
    sizes = Counter(folds)
    assert max(sizes.values()) - min(sizes.values()) <= 1
    for label in (0, 1):
        share = len([y for y in labels if y == label]) / num_folds
        for fold in range(num_folds):
            count = sum(1 for f, y in zip(folds, labels)
                        if f == fold and y == label)
            assert abs(count - share) < 1


def test_folds_depend_on_seed_not_on_order():
    keys, labels = videos(12, 18)
    folds = stratified_folds(keys, labels, 3, seed=7)
    assert stratified_folds(keys, labels, 3, seed=7) == folds
    order = np.random.default_rng(0).permutation(len(keys))
    shuffled = stratified_folds([keys[i] for i in order],
                                [labels[i] for i in order], 3, seed=7)
    assert {keys[i]: f for i, f in zip(order, shuffled)} == dict(
        zip(keys, folds))
    assert stratified_folds(keys, labels, 3, seed=8) != folds


@pytest.mark.parametrize('num_folds, message', [
    (1, 'num_folds must be >= 2, got 1'),
    (5, "num_folds=5 exceeds the 4 videos of class 0"),
])
def test_folds_refuse_too_few_or_too_many(num_folds, message):
    keys, labels = videos(4, 9)
    with pytest.raises(ValueError, match=message):
        stratified_folds(keys, labels, num_folds, seed=0)


def test_folds_refuse_repeated_keys_and_length_mismatch():
    with pytest.raises(ValueError, match='repeated: a'):
        stratified_folds(['a', 'a', 'b', 'c'], [0, 1, 0, 1], 2, seed=0)
    with pytest.raises(ValueError, match='differ in length: 3 vs 2'):
        stratified_folds(['a', 'b', 'c'], [0, 1], 2, seed=0)


def test_share_is_stratified_and_keeps_every_class_on_both_sides():
    keys, labels = videos(10, 2)
    chosen = stratified_share(keys, labels, 0.2, seed=0)
    taken = Counter(y for y, c in zip(labels, chosen) if c)
    # round(0.2 * 10) = 2 benign; round(0.4) = 0 malignant, raised to 1
    assert taken == {0: 2, 1: 1}
    order = np.random.default_rng(1).permutation(len(keys))
    again = stratified_share([keys[i] for i in order],
                             [labels[i] for i in order], 0.2, seed=0)
    assert {keys[i] for i, c in zip(order, again) if c} == {
        k for k, c in zip(keys, chosen) if c}
    with pytest.raises(ValueError, match=r'fraction must be in \(0, 1\)'):
        stratified_share(keys, labels, 1.0, seed=0)
    with pytest.raises(ValueError, match="class 1 has 1 video"):
        stratified_share(keys[:11], labels[:11], 0.2, seed=0)


def test_parts_of_a_fold():
    keys, labels = videos(15, 21)
    folds = stratified_folds(keys, labels, 3, seed=2)
    test_sets = []
    for fold in range(3):
        parts = cross_validation_parts(keys, labels, 3, fold, seed=2,
                                       inner_val_fraction=0.25)
        test_sets.append({k for k, p in zip(keys, parts) if p == 'test'})
        assert test_sets[-1] == {k for k, f in zip(keys, folds) if f == fold}
        inner = Counter(y for y, p in zip(labels, parts) if p == 'inner_val')
        # the training folds hold 10 benign and 14 malignant videos
        assert inner == {0: round(0.25 * 10), 1: round(0.25 * 14)}
    assert set.union(*test_sets) == set(keys)
    assert sum(map(len, test_sets)) == len(keys)
    with pytest.raises(ValueError, match=r'fold must be in \[0, 3\), got 3'):
        cross_validation_parts(keys, labels, 3, 3, 0, 0.2)
