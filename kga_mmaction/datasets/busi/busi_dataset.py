"""BUSI: the breast ultrasound image dataset (Al-Dhabyani et al., 2020).

The tree is read as released (see :mod:`.layout`). KGA-Net uses the benign
and malignant images as keyframes next to the BUSV videos; ``normal`` can be
included through ``classes``.
"""
from typing import Callable, List, Sequence, Union

from mmengine.logging import MMLogger

from mmaction.registry import DATASETS
from mmaction.utils import ConfigType
from ..checked_action_dataset import (CheckedActionDataset,
                                      classes_metainfo)
from ..problems import raise_for_problems
from .index import index_busi_root
from .layout import BUSI_CLASSES


@DATASETS.register_module()
class BUSIDataset(CheckedActionDataset):
    """BUSI images, one sample per image (masks are recorded, not loaded).

    Every file whose stem contains ``_mask`` (``_mask``, ``_mask_1``, ...)
    is a mask, never a sample. Masks belong to the image whose stem is
    exactly the mask's stem without the ``_mask[_k]`` suffix, so
    ``benign (1)_mask.png`` never attaches to ``benign (10).png``. Samples
    are ordered by class, then by the number in parentheses::

        dict(img_path='/abs/Dataset_BUSI_with_GT/benign/benign (1).png',
             label=0,
             mask_paths=['/abs/.../benign (1)_mask.png'])

    Use ``LoadImageAsFrames`` as the first transform. Construction runs the
    cheap checks of :func:`~.index.index_busi_root`, reading each image's
    header as ``tools/data/check_dataset.py`` does, and raises one
    ``ValueError``/``FileNotFoundError`` listing the problems (unknown or
    missing class folder, class without images, empty file, a file that is
    not a readable image). Images without masks and masks without images are
    only logged as warnings.

    Args:
        data_root (str): ``Dataset_BUSI_with_GT`` or a folder containing it.
        classes (Sequence[str]): Class folders to load, in label order; a
            subset of ``('benign', 'malignant', 'normal')``.
            Defaults to ``('benign', 'malignant')``.
        pipeline (Sequence[dict | Callable]): Data transforms.
            Defaults to ``()``.
        test_mode (bool): Whether the dataset is for val/test.
            Defaults to False.
        deep_check (bool): Also decode every image and mask at construction
            (slow). Defaults to False.
        **kwargs: Passed to :class:`BaseActionDataset`.
    """

    METAINFO = dict(classes=('benign', 'malignant'))

    def __init__(self,
                 data_root: str,
                 classes: Sequence[str] = ('benign', 'malignant'),
                 pipeline: Sequence[Union[ConfigType, Callable]] = (),
                 test_mode: bool = False,
                 deep_check: bool = False,
                 **kwargs) -> None:
        self.classes, metainfo = classes_metainfo(
            classes, kwargs.pop('metainfo', None), BUSI_CLASSES,
            'BUSI classes')
        self.deep_check = deep_check
        super().__init__(
            ann_file='',
            pipeline=list(pipeline),
            data_root=data_root,
            metainfo=metainfo,
            test_mode=test_mode,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """Index and check the root; one entry per image."""
        index = index_busi_root(
            self.data_root, self.classes, deep=self.deep_check,
            read_headers=True)
        raise_for_problems(
            index.problems, f'BUSI root {index.root}',
            'Run `python tools/data/check_dataset.py --busi '
            f'{index.root}` for a full report.')
        data_list = [
            dict(
                img_path=image.img_path,
                label=self.classes.index(image.class_name),
                mask_paths=list(image.mask_paths)) for image in index.images
        ]
        logger = MMLogger.get_current_instance()
        per_class = ', '.join(
            f'{name} {sum(1 for d in data_list if d["label"] == label)}'
            for label, name in enumerate(self.classes))
        logger.info(f'BUSIDataset: {len(data_list)} images ({per_class}) '
                    f'from {index.root}')
        if index.warnings:
            logger.warning(
                f'BUSIDataset: {len(index.warnings)} warning(s), first: '
                f'{index.warnings[0]}')
        return data_list
