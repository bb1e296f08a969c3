"""Summary of a BUSI root per class, as ``tools/data/check_dataset.py``
prints it."""
import os.path as osp
from collections import Counter
from typing import Optional, Sequence

from ...utils import text_table
from .index import index_busi_root
from .layout import BUSI_MASK_RE


def _is_extra_mask(path: str) -> bool:
    """Whether ``path`` is a ``_mask_<k>`` file (not the primary mask)."""
    match = BUSI_MASK_RE.match(osp.splitext(osp.basename(path))[0])
    return match is not None and match.group('extra') is not None


def check_busi_root(root: str,
                    deep: bool = False,
                    classes: Optional[Sequence[str]] = None) -> dict:
    """Check a BUSI root and summarise it per class.

    Args:
        root (str): See :func:`~.layout.resolve_busi_root`.
        deep (bool): Decode every image and mask. Defaults to False.
        classes (Sequence[str], optional): Classes to check; None checks
            every known class folder present.

    Returns:
        dict: ``root``, ``classes`` (class -> ``images``, ``masks`` (primary
        ``_mask`` files), ``extra_masks`` (``_mask_<k>`` files),
        ``images_without_mask``, ``modes`` (``{'L': n, 'RGB': n}``),
        ``min_size``/``max_size`` (``'WxH'`` of the smallest/largest area)),
        ``problems`` and ``warnings`` (lists of
        :class:`~kga_mmaction.datasets.problems.Problem`).

    Raises:
        FileNotFoundError: If ``root`` is not a BUSI folder.
    """
    index = index_busi_root(root, classes, deep=deep, read_headers=True)
    per_class = {}
    for class_name in index.classes:
        images = [i for i in index.images if i.class_name == class_name]
        sizes = sorted((i.size for i in images if i.size),
                       key=lambda s: s[0] * s[1])
        per_class[class_name] = dict(
            images=len(images),
            masks=sum(1 for i in images for p in i.mask_paths
                      if not _is_extra_mask(p)),
            extra_masks=sum(1 for i in images for p in i.mask_paths
                            if _is_extra_mask(p)),
            images_without_mask=sum(1 for i in images if not i.mask_paths),
            modes=dict(
                Counter(i.mode for i in images if i.mode).most_common()),
            min_size=f'{sizes[0][0]}x{sizes[0][1]}' if sizes else '-',
            max_size=f'{sizes[-1][0]}x{sizes[-1][1]}' if sizes else '-')
    return dict(
        root=index.root,
        classes=per_class,
        problems=index.problems,
        warnings=index.warnings)


def format_busi_summary(summary: dict) -> str:
    """Render :func:`check_busi_root`'s summary as a text table."""
    header = ('class', 'images', 'masks', 'extra masks', 'no mask', 'modes',
              'min size', 'max size')
    rows = []
    for class_name, s in summary['classes'].items():
        modes = ', '.join(f'{m}: {n}' for m, n in s['modes'].items()) or '-'
        rows.append(
            (class_name, s['images'], s['masks'], s['extra_masks'],
             s['images_without_mask'], modes, s['min_size'], s['max_size']))
    return f'BUSI {summary["root"]}\n' + text_table(header, rows)
