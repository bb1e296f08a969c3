"""BUSV: the breast ultrasound video dataset (Lin et al., MICCAI 2022).

The tree is read as released (see :mod:`.layout`). The split of a video is
the JSON that lists it; its label is the first path component of its
``file_name`` (``benign`` -> 0, ``malignant`` -> 1).
``split_variant='clean'`` applies the known errata and removes leaking
videos (see :mod:`.split_variants`). ``cross_validation`` pools both JSONs
and loads one part of a K-fold split instead (see
:mod:`.cross_validation`).
"""
from typing import Callable, Dict, List, Optional, Sequence, Union

from mmengine.logging import MMLogger

from mmaction.registry import DATASETS
from mmaction.utils import ConfigType
from ..checked_action_dataset import CheckedActionDataset
from ..problems import (MAX_LISTED_PROBLEMS, format_problems,
                        raise_for_problems)
from .cross_validation import CrossValidation
from .index import index_busv_root
from .layout import BUSV_CLASSES, BUSV_SPLITS
from .split_variants import SPLIT_VARIANTS, apply_split_variant


@DATASETS.register_module()
class BUSVDataset(CheckedActionDataset):
    """BUSV videos as frame folders, one sample per video.

    Each sample is RawframeDataset-compatible, so MMAction2's
    ``SampleFrames`` + ``RawFrameDecode`` read it::

        dict(frame_dir='/abs/rawframes/benign/x28f299ceb056964c',
             total_frames=134,         # frames on disk (checked vs. JSON)
             label=0,                  # 0 benign, 1 malignant
             filename_tmpl='{:06}.png',  # '{:06}.jpg' once converted
             start_index=0,
             video_id='x28f299ceb056964c', video_name='benign/x28f...',
             height=670, width=670,    # from the JSON
             lesion_areas=[0.0, 1512.0, ...])  # [total_frames], see below

    ``lesion_areas`` holds the lesion area of every frame, by frame number:
    the summed ``w * h`` of the frame's boxes in the JSON, 0 for a frame
    without a box or with an empty box (negative width or height; see
    :mod:`.lesion_areas`). List it in the test pipeline's
    ``PackActionInputs(meta_keys=...)`` for
    :class:`~kga_mmaction.evaluation.KeyframeLocalisationMetric`.

    At construction the whole root (both JSONs, every video folder) is
    checked with :func:`~.index.index_busv_root`; any problem (missing or
    empty frame, empty folder, numbering gap, unknown label, JSON entry
    without files, ...) raises one ``ValueError`` (``FileNotFoundError`` if
    everything found is missing) listing the first problems with their
    paths. A frame folder that no JSON lists is a
    warning naming it: copies of BUSV often hold extra videos, and the
    splits stay as the JSONs define them. So is an image file without a
    frame number inside a video folder (``thumbnail.png``): it is left out.
    ``deep_check`` adds the pixel checks, and frames shared by two videos
    are a problem (the released BUSV has such pairs: see
    ``tools/data/check_dataset.py --deep``).

    Args:
        data_root (str): BUSV root (holds ``rawframes/`` and the JSONs).
        split (str): ``'train'`` or ``'val'``. Defaults to ``'train'``.
        split_variant (str): ``'official'`` (as released) or ``'clean'``
            (errata applied, duplicates and leaking videos removed; see
            :func:`~.split_variants.apply_split_variant`). Defaults to
            ``'official'``.
        pipeline (Sequence[dict | Callable]): Data transforms.
            Defaults to ``()``.
        test_mode (bool): Whether the dataset is for val/test.
            Defaults to False.
        deep_check (bool): Also decode every frame at construction (slow).
            Defaults to False.
        cross_validation (dict, optional): Load one part of a
            class-stratified K-fold split instead of ``split``: the keys of
            :class:`~.cross_validation.CrossValidation`, e.g.
            ``dict(num_folds=3, fold=0, seed=0, inner_val_fraction=0.2,
            part='test')`` (``part``: ``'train'``, ``'inner_val'`` or
            ``'test'``). The videos of BOTH JSONs (after
            ``split_variant``) are pooled and ``split`` is ignored.
            Defaults to None (the official split).
        **kwargs: Passed to :class:`BaseActionDataset` (e.g.
            ``serialize_data``, ``indices``, ``lazy_init``).
    """

    METAINFO = dict(classes=BUSV_CLASSES)

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 split_variant: str = 'official',
                 pipeline: Sequence[Union[ConfigType, Callable]] = (),
                 test_mode: bool = False,
                 deep_check: bool = False,
                 cross_validation: Optional[dict] = None,
                 **kwargs) -> None:
        if split not in BUSV_SPLITS:
            raise ValueError(f'unknown BUSV split {split!r}; expected one of '
                             f'{", ".join(BUSV_SPLITS)}')
        if split_variant not in SPLIT_VARIANTS:
            raise ValueError(
                f'unknown BUSV split_variant {split_variant!r}; expected '
                f'one of {", ".join(SPLIT_VARIANTS)}')
        self.split = split
        self.split_variant = split_variant
        self.deep_check = deep_check
        self.cross_validation = (None if cross_validation is None else
                                 CrossValidation.from_config(cross_validation))
        super().__init__(
            ann_file='',
            pipeline=list(pipeline),
            data_root=data_root,
            test_mode=test_mode,
            start_index=0,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """Index and check the root, then select this split and variant."""
        index = index_busv_root(self.data_root, deep=self.deep_check)
        raise_for_problems(
            index.problems, f'BUSV root {index.root}',
            'Run `python tools/data/check_dataset.py --busv '
            f'{index.root}` for a full report.')
        videos = [
            dict(name=v.name, class_name=v.class_name, video=v)
            for v in index.videos
            if self.cross_validation is not None or v.split == self.split
        ]
        kept, changes = apply_split_variant(videos, self.split_variant)
        if self.cross_validation is not None:
            chosen = self.cross_validation.select(
                [item['name'] for item in kept],
                [item['label'] for item in kept])
            kept = [item for item, c in zip(kept, chosen) if c]
        data_list = []
        for item in kept:
            video = item['video']
            data_list.append(
                dict(
                    frame_dir=video.frame_dir,
                    total_frames=video.total_frames,
                    label=item['label'],
                    filename_tmpl=video.filename_tmpl,
                    start_index=0,
                    video_id=video.video_id,
                    video_name=video.name,
                    height=video.height,
                    width=video.width,
                    lesion_areas=video.lesion_areas))
        self._log_loaded(
            index.annotation_files.values()
            if self.cross_validation is not None else
            [index.annotation_files[self.split]], data_list, changes)
        if index.warnings:
            MMLogger.get_current_instance().warning(
                f'BUSVDataset: {len(index.warnings)} file(s) or folder(s) '
                f'under {index.root} are not loaded (in no JSON, or images '
                'without a frame number):\n' +
                format_problems(index.warnings, MAX_LISTED_PROBLEMS))
        return data_list

    def _log_loaded(self, json_paths: Sequence[str], data_list: List[dict],
                    changes: Dict[str, List[str]]) -> None:
        """Log the split (or cross-validation part), variant and videos per
        class."""
        logger = MMLogger.get_current_instance()
        per_class = ', '.join(
            f'{name} {sum(1 for d in data_list if d["label"] == label)}'
            for label, name in enumerate(BUSV_CLASSES))
        selection = (f'split={self.split}' if self.cross_validation is None
                     else self.cross_validation.describe())
        message = (f'BUSVDataset: {selection}, '
                   f'split_variant={self.split_variant}, '
                   f'{len(data_list)} videos ({per_class}) from '
                   f'{" and ".join(json_paths)}')
        applied = {k: v for k, v in changes.items() if v and k != 'not_found'}
        if applied:
            message += '; ' + '; '.join(f'{k}: {", ".join(v)}'
                                        for k, v in applied.items())
        logger.info(message)
        if self.split_variant == 'clean' and changes['not_found']:
            # Expected per split: each split holds only some errata videos.
            logger.debug('BUSVDataset: errata entries not in split '
                         f'{self.split}: {", ".join(changes["not_found"])}')
