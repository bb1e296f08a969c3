"""Class-stratified, seeded K-fold splits of BUSV videos.

BUSV's official test set is 39 videos; with data this scarce every video
serves once as a test case under K-fold cross-validation. The functions
here are pure: they see video keys (e.g. ``'benign/x28f2...'``) and labels
and return the assignment, so the same seed gives the same folds whatever
order the videos were listed in (they are sorted by key before the seeded
shuffle). :class:`~.cross_validation.CrossValidation` applies them to a
:class:`~.busv_dataset.BUSVDataset`.

Each video of a cross-validation fold ``I`` of ``K`` lies in one part:

* ``'test'``: the videos of fold ``I``;
* ``'inner_val'``: a stratified share of the other folds' videos, held out
  of training to choose a threshold (and to validate during training);
* ``'train'``: the rest of the other folds' videos.
"""
from collections import Counter
from typing import Hashable, List, Sequence

import numpy as np

#: The parts of a cross-validation fold, in the order listed above.
CROSS_VALIDATION_PARTS = ('train', 'inner_val', 'test')


def _check_keys(video_keys: Sequence[str], labels: Sequence[Hashable]) -> None:
    """Raise ``ValueError`` unless keys are unique and match the labels."""
    if len(video_keys) != len(labels):
        raise ValueError(f'video_keys and labels differ in length: '
                         f'{len(video_keys)} vs {len(labels)}')
    repeated = sorted(k for k, n in Counter(video_keys).items() if n > 1)
    if repeated:
        raise ValueError(f'video keys must be unique, repeated: '
                         f'{", ".join(map(str, repeated))}')


def _shuffled_classes(video_keys: Sequence[str],
                      labels: Sequence[Hashable],
                      seed: int) -> List[List[int]]:
    """Positions of each class's videos, sorted by key, then shuffled.

    Classes come in sorted label order and share one seeded stream, so the
    result depends on the keys, labels and seed only, not on their order.

    Returns:
        list[list[int]]: One list of positions into ``video_keys`` per
        class.
    """
    rng = np.random.default_rng(seed)
    classes = []
    for label in sorted(set(labels)):
        members = sorted((i for i, y in enumerate(labels) if y == label),
                         key=lambda i: video_keys[i])  # [n_class]
        classes.append([members[j] for j in rng.permutation(len(members))])
    return classes


def stratified_folds(video_keys: Sequence[str], labels: Sequence[Hashable],
                     num_folds: int, seed: int) -> List[int]:
    """The fold of every video: class-stratified, seeded, order-independent.

    Each class's videos, sorted by key and shuffled with ``seed``, are dealt
    round-robin over the folds; the deal continues from class to class, so
    every fold holds each class's count divided by ``num_folds`` within +-1
    and the fold sizes differ by at most 1.

    Args:
        video_keys (Sequence[str]): A unique key per video (e.g. its
            ``<class>/<video_id>`` name), ``[N]``.
        labels (Sequence[Hashable]): The class of each video, ``[N]``.
        num_folds (int): Number of folds ``K`` (>= 2).
        seed (int): Seed of the shuffle.

    Returns:
        list[int]: The fold in ``[0, K)`` of each video, ``[N]``.

    Raises:
        ValueError: If the lengths differ, a key repeats, ``num_folds < 2``
            or a class has fewer videos than folds (a fold would miss it).
    """
    _check_keys(video_keys, labels)
    if num_folds < 2:
        raise ValueError(f'num_folds must be >= 2, got {num_folds}')
    counts = Counter(labels)
    for label, count in sorted(counts.items()):
        if count < num_folds:
            raise ValueError(
                f'num_folds={num_folds} exceeds the {count} videos of class '
                f'{label!r}: every fold needs every class')
    folds = [0] * len(video_keys)
    dealt = 0
    for members in _shuffled_classes(video_keys, labels, seed):
        for position in members:
            folds[position] = dealt % num_folds
            dealt += 1
    return folds


def stratified_share(video_keys: Sequence[str], labels: Sequence[Hashable],
                     fraction: float, seed: int) -> List[bool]:
    """A seeded, class-stratified share of the videos (the inner validation).

    From each class, sorted by key and shuffled with ``seed``, the first
    ``round(fraction * n_class)`` videos are taken, but at least one and
    at most ``n_class - 1``, so that the share and the rest both hold
    every class.

    Args:
        video_keys (Sequence[str]): A unique key per video, ``[N]``.
        labels (Sequence[Hashable]): The class of each video, ``[N]``.
        fraction (float): Share of each class to take, in (0, 1).
        seed (int): Seed of the shuffle.

    Returns:
        list[bool]: Whether each video is in the share, ``[N]``.

    Raises:
        ValueError: If the lengths differ, a key repeats, ``fraction`` is
            not in (0, 1) or a class has fewer than 2 videos.
    """
    _check_keys(video_keys, labels)
    if not 0 < fraction < 1:
        raise ValueError(f'fraction must be in (0, 1), got {fraction}')
    chosen = [False] * len(video_keys)
    for members in _shuffled_classes(video_keys, labels, seed):
        if len(members) < 2:
            label = labels[members[0]]
            raise ValueError(
                f'class {label!r} has {len(members)} video(s); a share and '
                'the rest both need one')
        size = min(len(members) - 1, max(1, round(fraction * len(members))))
        for position in members[:size]:
            chosen[position] = True
    return chosen


def cross_validation_parts(video_keys: Sequence[str],
                           labels: Sequence[Hashable], num_folds: int,
                           fold: int, seed: int,
                           inner_val_fraction: float) -> List[str]:
    """The part (:data:`CROSS_VALIDATION_PARTS`) of every video in a fold.

    Fold ``fold`` of :func:`stratified_folds` is ``'test'``; of the other
    folds' videos, :func:`stratified_share` takes ``inner_val_fraction``
    as ``'inner_val'``; the rest is ``'train'``. The same ``seed`` drives
    both draws.

    Args:
        video_keys (Sequence[str]): A unique key per video, ``[N]``.
        labels (Sequence[Hashable]): The class of each video, ``[N]``.
        num_folds (int): Number of folds ``K`` (>= 2).
        fold (int): The test fold, in ``[0, K)``.
        seed (int): Seed of the folds and of the inner validation share.
        inner_val_fraction (float): Share of the training folds' videos
            (per class) held out as inner validation, in (0, 1).

    Returns:
        list[str]: ``'train'``, ``'inner_val'`` or ``'test'`` per video,
        ``[N]``.

    Raises:
        ValueError: If ``fold`` is not in ``[0, num_folds)``, the training
            folds hold fewer than 2 videos of a class, or from
            :func:`stratified_folds` and :func:`stratified_share`.
    """
    if not 0 <= fold < num_folds:
        raise ValueError(f'fold must be in [0, {num_folds}), got {fold}')
    folds = stratified_folds(video_keys, labels, num_folds, seed)
    training = [i for i, f in enumerate(folds) if f != fold]
    training_counts = Counter(labels[i] for i in training)
    for label, count in sorted(training_counts.items()):
        if count < 2:
            raise ValueError(
                f'the training folds of fold {fold}/{num_folds} hold '
                f'{count} video of class {label!r}, but inner validation '
                'and training need one each; use fewer folds')
    share = stratified_share([video_keys[i] for i in training],
                             [labels[i] for i in training],
                             inner_val_fraction, seed)
    parts = ['test'] * len(video_keys)
    for position, held_out in zip(training, share):
        parts[position] = 'inner_val' if held_out else 'train'
    return parts
