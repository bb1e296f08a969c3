"""Frame folders: a video stored as one image file per frame.

The one place that says which files of a folder are its frames, in which
order, under which file name template, and that decodes them. Every reader
of a frame folder goes through it:

* the BUSV index (:func:`~kga_mmaction.datasets.busv.index.index_busv_root`)
  lists each video folder with :func:`frame_entries` and keeps the released
  ``NNNNNN.png`` names;
* :class:`~kga_mmaction.datasets.VideoListDataset` finds the template of a
  user's folder with :func:`detect_frame_template`, for MMAction2's
  ``SampleFrames`` + ``RawFrameDecode``;
* single-video inference (:mod:`kga_mmaction.apis`) lists the frames with
  :func:`list_frames` and decodes the sampled ones with :func:`read_frames`.

A frame is a visible (not ``.``-prefixed) file with one of
:data:`FRAME_EXTENSIONS`; frames are in natural file name order
(``f2.png`` before ``f10.png``).
"""
import os
import os.path as osp
import re
from typing import List, Sequence, Tuple, Union

import numpy as np

from .problems import EMPTY_VIDEO, FRAME_GAP, MIXED_FRAME_NAMES
from .transforms.loading import read_rgb_image

#: Extensions of frame files (compared in lower case, without the dot).
FRAME_EXTENSIONS = ('png', 'jpg', 'jpeg', 'bmp')
#: A numbered frame file: an optional non-digit prefix, a number, an
#: extension.
FRAME_RE = re.compile(r'^(?P<prefix>\D*)(?P<num>\d+)\.(?P<ext>[A-Za-z]+)$')


class FrameFolderError(ValueError):
    """A frame folder that cannot be read as one clip.

    Args:
        kind (str): The problem kind (``empty_video``, ``frame_gap`` or
            ``mixed_frame_names``, see :mod:`~kga_mmaction.datasets.problems`).
        message (str): What is wrong, naming the folder or file.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def natural_key(name: str) -> List[Union[int, str]]:
    """Sort key that orders ``frame2`` before ``frame10``."""
    return [int(part) if part.isdigit() else part.lower()
            for part in re.split(r'(\d+)', name)]


def visible_entries(folder: str) -> List[os.DirEntry]:
    """Entries of ``folder`` sorted by name, hidden ones (``.*``) left out.
    """
    with os.scandir(folder) as it:
        return sorted((e for e in it if not e.name.startswith('.')),
                      key=lambda e: e.name)


def frame_entries(frame_dir: str) -> Tuple[List[os.DirEntry], int]:
    """The frame files of a folder and how many other entries it holds.

    Args:
        frame_dir (str): Folder of frames.

    Returns:
        tuple: The frame files (natural order) and the number of the other
        visible entries (sub-folders, files of other types).
    """
    frames, others = [], 0
    for entry in visible_entries(frame_dir):
        ext = osp.splitext(entry.name)[1][1:].lower()
        if entry.is_file() and ext in FRAME_EXTENSIONS:
            frames.append(entry)
        else:
            others += 1
    frames.sort(key=lambda entry: natural_key(entry.name))
    return frames, others


def list_frames(frame_dir: str) -> List[str]:
    """Paths of the frames of a folder, in natural order.

    Args:
        frame_dir (str): Folder of frames.

    Returns:
        list[str]: One path per frame file, whatever the names.

    Raises:
        FrameFolderError: (a ValueError) If the folder holds no frame file;
            the message names the folder.
    """
    frames, _ = frame_entries(frame_dir)
    if not frames:
        raise FrameFolderError(
            EMPTY_VIDEO, f'no frames ({", ".join(FRAME_EXTENSIONS)} files) '
            f'in folder {frame_dir}')
    return [entry.path for entry in frames]


def detect_frame_template(frame_dir: str) -> Tuple[str, int, int]:
    """Detect the file name template of a folder of frames.

    All numbered frame files (:data:`FRAME_RE`) must share one prefix, one
    extension and one zero padding, and be numbered contiguously.

    Args:
        frame_dir (str): Folder of frames.

    Returns:
        tuple: ``(filename_tmpl, start_index, total_frames)``, e.g.
        ``('{:06}.png', 0, 134)`` or ``('img_{:05}.jpg', 1, 300)``.

    Raises:
        FrameFolderError: (a ValueError) If the folder holds no frames,
            several naming patterns, or numbering with gaps; the message
            names the folder (and for a gap the first missing file).
    """
    patterns = {}
    numbers = []
    for entry in frame_entries(frame_dir)[0]:
        match = FRAME_RE.match(entry.name)
        if match is None:
            continue
        digits = match['num']
        padded = len(digits) > 1 and digits.startswith('0')
        key = (match['prefix'], match['ext'], len(digits) if padded else None)
        patterns.setdefault(key, []).append(len(digits))
        numbers.append(int(digits))
    if not numbers:
        raise FrameFolderError(
            EMPTY_VIDEO,
            f'no frames (<prefix><number>.png/.jpg) in folder {frame_dir}')
    # Unpadded numbers of the padded width belong to the padded pattern
    # (000009.png and 000010.png are one pattern).
    padded_keys = [k for k in patterns if k[2] is not None]
    for key in [k for k in patterns if k[2] is None]:
        for padded_key in padded_keys:
            if key[:2] == padded_key[:2] and set(
                    patterns[key]) == {padded_key[2]}:
                patterns[padded_key] += patterns.pop(key)
                break
    if len(patterns) > 1:
        shown = ', '.join(f'{p}<{w or "n"} digits>.{e}'
                          for p, e, w in sorted(patterns, key=str))
        raise FrameFolderError(
            MIXED_FRAME_NAMES,
            f'several frame naming patterns in folder {frame_dir}: {shown}')
    (prefix, ext, width), = patterns
    tmpl = f'{prefix}{{:0{width}}}.{ext}' if width else f'{prefix}{{}}.{ext}'
    start = min(numbers)
    missing = sorted(set(range(start, max(numbers) + 1)) - set(numbers))
    if missing:
        raise FrameFolderError(
            FRAME_GAP,
            f'frame numbering has {len(missing)} gap(s), first missing '
            f'{osp.join(frame_dir, tmpl.format(missing[0]))}')
    return tmpl, start, len(numbers)


def read_frames(paths: Sequence[str]) -> List[np.ndarray]:
    """Decode frame files that must form one clip.

    Args:
        paths (Sequence[str]): Frame files, in clip order.

    Returns:
        list[np.ndarray]: ``H x W x 3`` uint8 RGB frames, one per path.

    Raises:
        FileNotFoundError: If a file does not exist.
        ValueError: If a file cannot be decoded, or the frames differ in
            size; the message names the files.
    """
    frames = [read_rgb_image(path) for path in paths]
    for path, frame in zip(paths[1:], frames[1:]):
        if frame.shape != frames[0].shape:
            raise ValueError(f'frame {path} is {frame.shape[1]}x'
                             f'{frame.shape[0]}, but {paths[0]} is '
                             f'{frames[0].shape[1]}x{frames[0].shape[0]}')
    return frames
