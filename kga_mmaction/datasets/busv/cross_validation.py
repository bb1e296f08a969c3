"""K-fold cross-validation of BUSV videos: the spec a dataset takes, and
how a fold reaches any config.

:class:`CrossValidation` is what ``BUSVDataset(cross_validation=dict(...))``
holds: which fold of how many, the seed, the inner validation share and
the part to load (:mod:`.folds` computes the parts).
:func:`apply_cross_validation` sets it on every ``BUSVDataset`` of a
config's train, val and test dataloaders, wherever it is nested (e.g. as
the ``video`` of a ``MixedVideoImageDataset``), so one call serves KGA-Net,
its ablations and the 3D baselines alike; other datasets (BUSI keyframe
images) are left as they are and stay in training for every fold.
``tools/train.py`` and ``tools/test.py`` call it for ``--folds K --fold
I``.
"""
import copy
from dataclasses import asdict, dataclass, replace
from typing import Any, Hashable, List, Mapping, Sequence

from mmengine.config import Config

from .folds import CROSS_VALIDATION_PARTS, cross_validation_parts

#: Share of the training folds' videos (per class) held out as inner
#: validation unless set otherwise.
DEFAULT_INNER_VAL_FRACTION = 0.2
#: The part each dataloader of a config loads under cross-validation: the
#: model trains on ``'train'`` and validates on ``'inner_val'`` (never on
#: the test fold); the test dataloader's part is chosen by the caller.
LOADER_PARTS = (('train_dataloader', 'train'), ('val_dataloader',
                                                'inner_val'))
#: The parts a test dataloader may load.
TEST_PARTS = ('test', 'inner_val')
#: The dataset type that :func:`apply_cross_validation` splits.
BUSV_TYPE = 'BUSVDataset'


@dataclass(frozen=True)
class CrossValidation:
    """One part of one fold of a class-stratified K-fold split.

    Args:
        num_folds (int): Number of folds ``K`` (>= 2).
        fold (int): The test fold, 0-based, in ``[0, K)``.
        seed (int): Seed of the folds and the inner validation share.
            Defaults to 0.
        inner_val_fraction (float): Share of the training folds' videos
            (per class) held out as inner validation, in (0, 1).
            Defaults to :data:`DEFAULT_INNER_VAL_FRACTION`.
        part (str): ``'train'``, ``'inner_val'`` or ``'test'``.
            Defaults to ``'test'``.

    Raises:
        ValueError: If a value is out of range (naming it).
    """
    num_folds: int
    fold: int
    seed: int = 0
    inner_val_fraction: float = DEFAULT_INNER_VAL_FRACTION
    part: str = 'test'

    def __post_init__(self) -> None:
        if self.num_folds < 2:
            raise ValueError(
                f'cross_validation num_folds must be >= 2, got '
                f'{self.num_folds}')
        if not 0 <= self.fold < self.num_folds:
            raise ValueError(f'cross_validation fold must be in [0, '
                             f'{self.num_folds}), got {self.fold}')
        if not 0 < self.inner_val_fraction < 1:
            raise ValueError('cross_validation inner_val_fraction must be '
                             f'in (0, 1), got {self.inner_val_fraction}')
        if self.part not in CROSS_VALIDATION_PARTS:
            raise ValueError(
                f'cross_validation part must be one of '
                f'{", ".join(CROSS_VALIDATION_PARTS)}, got {self.part!r}')

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> 'CrossValidation':
        """The spec from a config dict, e.g. ``dict(num_folds=3, fold=0)``.

        Raises:
            ValueError: If a key is unknown or ``num_folds``/``fold`` is
                missing.
        """
        known = tuple(asdict(cls(num_folds=2, fold=0)))
        unknown = sorted(set(cfg) - set(known))
        if unknown:
            raise ValueError(f'unknown cross_validation key(s) '
                             f'{", ".join(unknown)}; expected '
                             f'{", ".join(known)}')
        missing = [k for k in ('num_folds', 'fold') if k not in cfg]
        if missing:
            raise ValueError(
                f'cross_validation needs {" and ".join(missing)}, got '
                f'{dict(cfg)}')
        return cls(**cfg)

    def select(self, video_keys: Sequence[str],
               labels: Sequence[Hashable]) -> List[bool]:
        """Whether each video is in this part (:func:`~.folds.
        cross_validation_parts`).

        Args:
            video_keys (Sequence[str]): A unique key per video, ``[N]``.
            labels (Sequence[Hashable]): The class of each video, ``[N]``.

        Returns:
            list[bool]: ``[N]``.
        """
        parts = cross_validation_parts(video_keys, labels, self.num_folds,
                                       self.fold, self.seed,
                                       self.inner_val_fraction)
        return [part == self.part for part in parts]

    def describe(self) -> str:
        """E.g. ``'cross-validation part=test of fold 0/3 (seed 0,
        inner_val_fraction 0.2)'``."""
        return (f'cross-validation part={self.part} of fold {self.fold}/'
                f'{self.num_folds} (seed {self.seed}, inner_val_fraction '
                f'{self.inner_val_fraction})')


def _is_busv(dataset_type: Any) -> bool:
    """Whether a config's ``type`` names :class:`BUSVDataset` (also with a
    scope, ``'mmaction.BUSVDataset'``, or as the class)."""
    name = getattr(dataset_type, '__name__', dataset_type)
    return isinstance(name, str) and name.split('.')[-1] == BUSV_TYPE


def _set_on_busv(node: Any, spec: dict) -> int:
    """Set ``cross_validation=spec`` on every BUSV dataset dict in ``node``
    (dicts and lists, recursively), in place; the number set."""
    if isinstance(node, Mapping):
        if _is_busv(node.get('type')):
            node['cross_validation'] = dict(spec)
            return 1
        return sum(_set_on_busv(value, spec) for value in node.values())
    if isinstance(node, (list, tuple)):
        return sum(_set_on_busv(value, spec) for value in node)
    return 0


def apply_cross_validation(cfg: Config,
                           num_folds: int,
                           fold: int,
                           seed: int = 0,
                           inner_val_fraction: float = (
                               DEFAULT_INNER_VAL_FRACTION),
                           test_part: str = 'test') -> Config:
    """Make a config train, validate and test on one cross-validation fold.

    Every ``BUSVDataset`` in ``train_dataloader`` gets ``part='train'``, in
    ``val_dataloader`` ``'inner_val'`` and in ``test_dataloader``
    ``test_part``, with the same folds. Each dataloader's ``dataset`` is
    copied first, so dataloaders that shared one dict do not share the
    part. Dataloaders that are None or absent are skipped.

    Args:
        cfg (Config): The config; changed in place.
        num_folds (int): Number of folds ``K``.
        fold (int): The test fold, 0-based.
        seed (int): Seed of the folds. Defaults to 0.
        inner_val_fraction (float): See :class:`CrossValidation`.
            Defaults to :data:`DEFAULT_INNER_VAL_FRACTION`.
        test_part (str): What the test dataloader loads: ``'test'`` (the
            fold) or ``'inner_val'`` (to choose a threshold).
            Defaults to ``'test'``.

    Returns:
        Config: ``cfg``.

    Raises:
        ValueError: If an argument is out of range, or a dataloader holds
            no ``BUSVDataset`` to split.
    """
    if test_part not in TEST_PARTS:
        raise ValueError(f'test_part must be one of {", ".join(TEST_PARTS)}'
                         f', got {test_part!r}')
    spec = CrossValidation(num_folds, fold, seed, inner_val_fraction)
    for loader, part in (*LOADER_PARTS, ('test_dataloader', test_part)):
        if cfg.get(loader) is None:
            continue
        dataset = copy.deepcopy(cfg[loader].get('dataset'))
        if not _set_on_busv(dataset, asdict(replace(spec, part=part))):
            raise ValueError(
                f'cross-validation splits BUSV videos, but {loader}.dataset '
                f'holds no {BUSV_TYPE} (its type is '
                f'{(dataset or {}).get("type")!r})')
        cfg[loader]['dataset'] = dataset
    return cfg
