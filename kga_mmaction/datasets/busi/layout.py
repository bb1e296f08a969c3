"""The BUSI tree as released: class folders, image and mask names.

Layout of the released archive::

    Dataset_BUSI_with_GT/benign/benign (1).png, benign (1)_mask.png, ...
    Dataset_BUSI_with_GT/malignant/malignant (1).png, ...
    Dataset_BUSI_with_GT/normal/normal (1).png, ...

An image may have several masks (``benign (4)_mask.png``,
``benign (4)_mask_1.png``). The readers and the synthetic generator share
these names.
"""
import os.path as osp
import re

BUSI_CLASSES = ('benign', 'malignant', 'normal')
BUSI_FOLDER = 'Dataset_BUSI_with_GT'
#: Extensions of BUSI image and mask files (compared in lower case).
IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff')
#: A BUSI mask stem: ``<image stem>_mask`` or ``<image stem>_mask_<k>``.
BUSI_MASK_RE = re.compile(r'^(?P<stem>.+)_mask(?:_(?P<extra>\d+))?$')
#: ``benign (12)`` -> 12, for natural sorting.
BUSI_NUMBER_RE = re.compile(r'\((\d+)\)')


def busi_sort_key(stem: str) -> tuple:
    """Natural sort key of a BUSI stem: ``benign (2)`` before ``benign (10)``.
    """
    match = BUSI_NUMBER_RE.search(stem)
    if match is None:
        return (1, stem, 0)
    return (0, stem[:match.start()], int(match.group(1)), stem)


def resolve_busi_root(root: str) -> str:
    """Return the ``Dataset_BUSI_with_GT`` folder for ``root``.

    Args:
        root (str): ``Dataset_BUSI_with_GT`` itself, or a folder containing
            it.

    Returns:
        str: Absolute path of the folder holding the class folders.

    Raises:
        FileNotFoundError: If ``root`` is neither.
    """
    root = osp.abspath(root)
    if any(osp.isdir(osp.join(root, c)) for c in BUSI_CLASSES):
        return root
    nested = osp.join(root, BUSI_FOLDER)
    if osp.isdir(nested):
        return nested
    raise FileNotFoundError(
        f'BUSI root not found: neither {root} nor {nested} holds a '
        f'{"/".join(BUSI_CLASSES)} class folder')
