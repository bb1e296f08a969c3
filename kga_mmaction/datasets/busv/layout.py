"""The BUSV tree as released: classes, splits, frame and annotation names.

Layout of the ``Miccai 2022 BUV Dataset.7z`` archive::

    <root>/rawframes/benign/<video_id>/000000.png 000001.png ...
    <root>/rawframes/malignant/<video_id>/...
    <root>/imagenet_vid_train_15frames.json     # CocoVID, train videos
    <root>/imagenet_vid_val.json                # CocoVID, val videos

Some copies keep the JSONs as
``<root>/annotations/instances_imagenet_vid_{train_15frames,val}.json``;
both places are accepted (:data:`BUSV_ANNOTATION_FILES`). Frames are PNG as
released, or JPEG in a root that ``tools/data/convert_frames.py`` wrote
(one format per video folder, named so in the JSONs). The readers, the
synthetic generator and the converter share these names.
"""
import os.path as osp
import re

from ..problems import broken_symlink_target

BUSV_CLASSES = ('benign', 'malignant')
BUSV_SPLITS = ('train', 'val')
#: Folder of a BUSV root that holds ``<class>/<video_id>/`` frame folders.
BUSV_FRAMES_FOLDER = 'rawframes'
#: BUSV frame file names as released: 6 digits, 0-based, PNG.
BUSV_FRAME_TMPL = '{:06}.png'
#: Frame file extensions a BUSV root may use (the release's first).
BUSV_FRAME_EXTENSIONS = ('png', 'jpg')
#: A BUSV frame file name: its number, then its extension.
BUSV_FRAME_RE = re.compile(r'^(\d{6})\.(png|jpg)$')


def busv_frame_tmpl(extension: str) -> str:
    """The frame name template of a video folder whose frames are
    ``extension`` files: ``'png'`` -> ``'{:06}.png'``.

    Raises:
        ValueError: ``extension`` is not one of :data:`BUSV_FRAME_EXTENSIONS`.
    """
    if extension not in BUSV_FRAME_EXTENSIONS:
        raise ValueError(f'BUSV frames are {"/".join(BUSV_FRAME_EXTENSIONS)} '
                         f'files, not {extension!r}')
    return '{:06}.' + extension
#: Where a BUSV root keeps its CocoVID JSONs, in the order they are tried:
#: the names of the released archive at the root, then the
#: ``annotations/instances_*`` names some copies use. The first that exists
#: is used.
BUSV_ANNOTATION_FILES = {
    'train': ('imagenet_vid_train_15frames.json',
              'annotations/instances_imagenet_vid_train_15frames.json'),
    'val':
    ('imagenet_vid_val.json', 'annotations/instances_imagenet_vid_val.json'),
}


def find_busv_annotation(root: str, split: str) -> str:
    """Path of the CocoVID JSON of ``split`` under a BUSV root.

    Tries :data:`BUSV_ANNOTATION_FILES` in order.

    Args:
        root (str): BUSV root.
        split (str): ``'train'`` or ``'val'``.

    Returns:
        str: The first candidate that exists.

    Raises:
        ValueError: If ``split`` is unknown.
        FileNotFoundError: If no candidate exists; names every path tried
            (a broken link as such).
    """
    if split not in BUSV_ANNOTATION_FILES:
        raise ValueError(f'unknown BUSV split {split!r}; expected one of '
                         f'{", ".join(BUSV_ANNOTATION_FILES)}')
    candidates = [
        osp.join(root, name) for name in BUSV_ANNOTATION_FILES[split]
    ]
    for candidate in candidates:
        if osp.isfile(candidate):
            return candidate
    tried = []
    for candidate in candidates:
        target = broken_symlink_target(candidate)
        tried.append(candidate if target is None else
                     f'{candidate} (a broken symbolic link to {target})')
    raise FileNotFoundError(f'no BUSV {split} annotation file; tried ' +
                            ', '.join(tried))
