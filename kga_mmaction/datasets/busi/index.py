"""Index and check a BUSI root (layout: :mod:`.layout`).

:func:`index_busi_root` lists the images of each class with their masks and
records every inconsistency as a
:class:`~kga_mmaction.datasets.problems.Problem`; the caller decides
(:class:`~kga_mmaction.datasets.BUSIDataset` raises,
``tools/data/check_dataset.py`` reports).

Cheap checks (directory listings, file sizes and, on request, image
headers): the class folders exist and none is unknown; each class has
images; no image or mask is an empty file. Images without a mask and masks
without an image are warnings (KGA-Net does not use masks).

Deep checks (``deep=True``, slow): every image and mask decodes.
"""
import os
import os.path as osp
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from PIL import Image

from ..frame_folder import visible_entries
from ..problems import (EMPTY_CLASS, MISSING_CLASS_DIR, MISSING_MASK,
                        ORPHAN_MASK, UNEXPECTED_FILE, UNKNOWN_LABEL,
                        UNREADABLE_FILE, Problem)
from ..transforms.loading import read_rgb_image
from .layout import (BUSI_CLASSES, BUSI_MASK_RE, IMAGE_EXTENSIONS,
                     busi_sort_key, resolve_busi_root)


@dataclass
class BUSIImage:
    """A BUSI image and its masks.

    Args:
        class_name (str): ``'benign'``, ``'malignant'`` or ``'normal'``.
        img_path (str): Absolute image path.
        mask_paths (list[str]): Masks whose stem is exactly this image's stem
            plus ``_mask`` or ``_mask_<k>``, primary mask first.
        mode (str, optional): PIL mode (``'L'``, ``'RGB'``, ...) when headers
            were read.
        size (tuple, optional): ``(width, height)`` when headers were read.
    """
    class_name: str
    img_path: str
    mask_paths: List[str] = field(default_factory=list)
    mode: Optional[str] = None
    size: Optional[Tuple[int, int]] = None


@dataclass
class BUSIIndex:
    """Result of :func:`index_busi_root`.

    Args:
        root (str): Absolute ``Dataset_BUSI_with_GT`` folder.
        classes (tuple[str]): Classes indexed.
        images (list[BUSIImage]): Images by class (in ``classes`` order),
            then natural order.
        problems (list[Problem]): Fatal findings.
        warnings (list[Problem]): Findings that do not stop training.
    """
    root: str
    classes: Tuple[str, ...]
    images: List[BUSIImage] = field(default_factory=list)
    problems: List[Problem] = field(default_factory=list)
    warnings: List[Problem] = field(default_factory=list)


def _check_decodes(path: str) -> Optional[Problem]:
    """Decode ``path``; return an :data:`UNREADABLE_FILE` problem if it fails.
    """
    try:
        read_rgb_image(path)
    except (ValueError, OSError) as err:
        return Problem(UNREADABLE_FILE, path, str(err))
    return None


def index_busi_root(root: str,
                    classes: Optional[Sequence[str]] = None,
                    deep: bool = False,
                    read_headers: bool = False) -> BUSIIndex:
    """Index a BUSI root and check it.

    Args:
        root (str): See :func:`~.layout.resolve_busi_root`.
        classes (Sequence[str], optional): Classes to index; their folders
            must exist. None indexes every known class folder present.
        deep (bool): Decode every image and mask. Slow. Defaults to False.
        read_headers (bool): Read each image's header for its mode and size
            (fast; fills :attr:`BUSIImage.mode` and ``size``). Defaults to
            False.

    Returns:
        BUSIIndex: The images, problems and warnings.

    Raises:
        FileNotFoundError: If ``root`` is not a BUSI folder.
        ValueError: If ``classes`` names an unknown class.
    """
    root = resolve_busi_root(root)
    if classes is None:
        classes = tuple(
            c for c in BUSI_CLASSES if osp.isdir(osp.join(root, c)))
    classes = tuple(classes)
    unknown = [c for c in classes if c not in BUSI_CLASSES]
    if unknown or not classes:
        raise ValueError(f'BUSI classes must be a non-empty subset of '
                         f'{BUSI_CLASSES}, got {classes}')
    index = BUSIIndex(root, classes)

    for entry in visible_entries(root):
        if entry.is_dir() and entry.name not in BUSI_CLASSES:
            index.problems.append(
                Problem(
                    UNKNOWN_LABEL, entry.path,
                    f'class folder {entry.name!r} is not one of '
                    f'{", ".join(BUSI_CLASSES)}'))

    for class_name in classes:
        class_dir = osp.join(root, class_name)
        if not osp.isdir(class_dir):
            index.problems.append(
                Problem(MISSING_CLASS_DIR, class_dir,
                        f'class {class_name!r} was requested'))
            continue
        images: Dict[str, str] = {}
        masks: Dict[str, List[Tuple[int, str]]] = defaultdict(list)
        for entry in visible_entries(class_dir):
            stem, ext = osp.splitext(entry.name)
            if not entry.is_file() or ext.lower() not in IMAGE_EXTENSIONS:
                index.warnings.append(
                    Problem(UNEXPECTED_FILE, entry.path, 'not an image'))
                continue
            if entry.stat().st_size == 0:
                index.problems.append(
                    Problem(UNREADABLE_FILE, entry.path,
                            'empty file (0 bytes)'))
            if '_mask' in stem:
                match = BUSI_MASK_RE.match(stem)
                if match is None:
                    index.warnings.append(
                        Problem(
                            ORPHAN_MASK, entry.path,
                            'name contains _mask but is not '
                            '<image>_mask[_k]'))
                    continue
                order = int(match.group('extra') or 0)
                masks[match.group('stem')].append((order, entry.path))
            else:
                images[stem] = entry.path
        if not images:
            index.problems.append(Problem(EMPTY_CLASS, class_dir, 'no images'))
        for stem in sorted(set(masks) - set(images)):
            for _, path in masks[stem]:
                index.warnings.append(
                    Problem(ORPHAN_MASK, path, f'no image with stem {stem!r}'))
        for stem in sorted(images, key=busi_sort_key):
            mask_paths = [path for _, path in sorted(masks.get(stem, []))]
            if not mask_paths:
                index.warnings.append(
                    Problem(MISSING_MASK, images[stem], 'no mask'))
            index.images.append(
                BUSIImage(class_name, images[stem], mask_paths))

    for image in index.images:
        if read_headers:
            try:
                with Image.open(image.img_path) as pil:
                    image.mode, image.size = pil.mode, pil.size
            except (OSError, ValueError) as err:
                if os.stat(image.img_path).st_size > 0:
                    index.problems.append(
                        Problem(UNREADABLE_FILE, image.img_path, str(err)))
        if deep:
            for path in [image.img_path] + image.mask_paths:
                if os.stat(path).st_size == 0:
                    continue  # reported by the cheap check
                problem = _check_decodes(path)
                if problem is not None:
                    index.problems.append(problem)
    return index
