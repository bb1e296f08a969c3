"""Frame folders: a video stored as one image file per frame.

The one place that says which files of a folder are its frames, in which
order, under which file name template, and that decodes them. Every reader
of a frame folder goes through :func:`scan_frame_folder`:

* the BUSV index (:func:`~kga_mmaction.datasets.busv.index.index_busv_root`)
  scans each video folder and requires the released ``NNNNNN.png`` names;
* :class:`~kga_mmaction.datasets.VideoListDataset` takes the template and
  start index of a user's folder, for MMAction2's ``SampleFrames`` +
  ``RawFrameDecode`` (:func:`detect_frame_template` also checks that the
  numbering has no gaps);
* single-video inference (:mod:`kga_mmaction.apis`) takes the files and
  decodes the sampled ones with :func:`read_frames`.

**The rule.** A frame folder holds one numbered sequence in one extension.
A frame is a visible (not ``.``-prefixed) file with one of
:data:`FRAME_EXTENSIONS` (any case) named ``<prefix><number>.<ext>``
(:data:`FRAME_RE`: the number is the last run of digits); frames are in
frame-number order.

* The same frame number stored twice (``000016.png`` and ``000016.jpg``,
  or ``f1.png`` and ``f001.png``) is an error that names both files.
* An image file without a frame number (``thumbnail.png``, ``cover.jpg``)
  is left out, and the callers warn, naming it
  (:attr:`FrameSequence.stray_files`).
* A second numbered pattern (another prefix, extension or zero padding:
  ``thumb1.png`` next to ``000000.png``) is an error that names one file of
  each: which of them is the video cannot be guessed.
* A frame that is a broken symbolic link is an error that names it.

Files of other types (``notes.txt``, ``Thumbs.db``) are never frames and
are ignored.
"""
import os
import os.path as osp
import re
import warnings
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Tuple, Union

import numpy as np

from .input_sanity import (HighBitDepthWarning, scale_to_uint8,
                           significant_bits)
from .problems import (BROKEN_SYMLINK, DUPLICATE_FRAME, EMPTY_VIDEO,
                       FRAME_GAP, MIXED_FRAME_NAMES, broken_symlink_target)
from .transforms.loading import decode_image, to_rgb

#: Extensions of frame files (compared in lower case, without the dot):
#: those OpenCV decodes.
FRAME_EXTENSIONS = ('png', 'jpg', 'jpeg', 'bmp', 'tif', 'tiff', 'webp')
#: A numbered frame file: a prefix, a number (the last run of digits), an
#: extension.
FRAME_RE = re.compile(r'^(?P<prefix>.*?)(?P<num>\d+)\.(?P<ext>[A-Za-z]+)$')


class FrameFolderError(ValueError):
    """A frame folder that cannot be read as one clip.

    Args:
        kind (str): The problem kind (``empty_video``, ``frame_gap``,
            ``mixed_frame_names``, ``duplicate_frame`` or
            ``broken_symlink``, see :mod:`~kga_mmaction.datasets.problems`).
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


@dataclass
class FrameSequence:
    """The frames of a folder: its one numbered sequence (see the module
    docstring for the rule).

    Args:
        folder (str): The folder.
        files (list[str]): Path of each frame, in frame-number order.
        numbers (list[int]): Frame number of each file, increasing.
        filename_tmpl (str): Their name template, e.g. ``'{:06}.png'`` or
            ``'img_{:05}.jpg'`` (``'{}.png'`` for unpadded numbers).
        stray_files (list[str]): Image files without a frame number, left
            out of the sequence.
    """
    folder: str
    files: List[str]
    numbers: List[int]
    filename_tmpl: str
    stray_files: List[str] = field(default_factory=list)

    @property
    def start_index(self) -> int:
        """Number of the first frame."""
        return self.numbers[0]

    def missing_numbers(self) -> List[int]:
        """Numbers between the first and the last frame with no file."""
        return sorted(
            set(range(self.numbers[0], self.numbers[-1] + 1)) -
            set(self.numbers))

    def stray_warning(self) -> str:
        """The sentence that names the stray files (empty if none)."""
        if not self.stray_files:
            return ''
        names = ', '.join(osp.basename(p) for p in self.stray_files)
        return (f'{len(self.stray_files)} image file(s) of {self.folder} '
                f'have no frame number and are left out: {names}')


def _template(prefix: str, ext: str, width: Optional[int]) -> str:
    prefix = prefix.replace('{', '{{').replace('}', '}}')
    return f'{prefix}{{:0{width}}}.{ext}' if width else f'{prefix}{{}}.{ext}'


def scan_frame_folder(folder: str) -> FrameSequence:
    """Find the one numbered frame sequence of a folder.

    Args:
        folder (str): Folder of frames.

    Returns:
        FrameSequence: The frames and the image files left out.

    Raises:
        FrameFolderError: (a ValueError) If the folder holds no numbered
            frame (``empty_video``), a frame number twice
            (``duplicate_frame``, naming both files), several naming
            patterns (``mixed_frame_names``, naming one file of each) or a
            broken link with a frame extension (``broken_symlink``).
    """
    strays = []
    numbered = {}  # (prefix, number) -> (path, ext, digits)
    for entry in visible_entries(folder):
        ext = osp.splitext(entry.name)[1][1:]
        if ext.lower() not in FRAME_EXTENSIONS:
            continue
        target = broken_symlink_target(entry.path)
        if target is not None:
            raise FrameFolderError(
                BROKEN_SYMLINK, f'frame {entry.path} is a broken symbolic '
                f'link to {target}')
        if not entry.is_file():
            continue
        match = FRAME_RE.match(entry.name)
        if match is None:
            strays.append(entry.path)
            continue
        key = (match['prefix'], int(match['num']))
        if key in numbered:
            raise FrameFolderError(
                DUPLICATE_FRAME,
                f'frame number {key[1]} is stored twice in folder {folder}: '
                f'{numbered[key][0]} and {entry.path} (a frame folder holds '
                'one sequence in one extension)')
        numbered[key] = (entry.path, match['ext'], match['num'])
    if not numbered:
        detail = (f'; left out, without a frame number: '
                  f'{", ".join(osp.basename(p) for p in strays)}'
                  if strays else '')
        raise FrameFolderError(
            EMPTY_VIDEO, f'no numbered frames (<prefix><number>.'
            f'{"/".join(FRAME_EXTENSIONS)}) in folder {folder}{detail}')
    patterns = {}  # (prefix, ext, padded width or None) -> [(num, path)]
    for (prefix, number), (path, ext, digits) in numbered.items():
        padded = len(digits) > 1 and digits.startswith('0')
        patterns.setdefault((prefix, ext, len(digits) if padded else None),
                            []).append((number, path, len(digits)))
    # Unpadded numbers of the padded width belong to the padded pattern
    # (000009.png and 100000.png are one pattern).
    for key in [k for k in patterns if k[2] is None]:
        for padded_key in [k for k in patterns if k[2] is not None]:
            if key[:2] == padded_key[:2] and {
                    width for _, _, width in patterns[key]
            } == {padded_key[2]}:
                patterns[padded_key] += patterns.pop(key)
                break
    if len(patterns) > 1:
        shown = ', '.join(
            f'{_template(p, e, w).replace("{}", "<n>")} (e.g. '
            f'{osp.basename(min(patterns[(p, e, w)])[1])})'
            for p, e, w in sorted(patterns, key=str))
        raise FrameFolderError(
            MIXED_FRAME_NAMES,
            f'several frame naming patterns in folder {folder}: {shown} '
            '(a frame folder holds one sequence in one extension)')
    (prefix, ext, width), frames = next(iter(patterns.items()))
    frames.sort()
    return FrameSequence(
        folder=folder,
        files=[path for _, path, _ in frames],
        numbers=[number for number, _, _ in frames],
        filename_tmpl=_template(prefix, ext, width),
        stray_files=sorted(strays, key=natural_key))


def detect_frame_template(frame_dir: str) -> Tuple[str, int, int]:
    """The file name template of a folder of frames numbered without gaps,
    as MMAction2's ``RawFrameDecode`` reads them.

    Args:
        frame_dir (str): Folder of frames.

    Returns:
        tuple: ``(filename_tmpl, start_index, total_frames)``, e.g.
        ``('{:06}.png', 0, 134)`` or ``('img_{:05}.jpg', 1, 300)``.

    Raises:
        FrameFolderError: (a ValueError) For the errors of
            :func:`scan_frame_folder`, and for numbering with gaps
            (``frame_gap``, naming the first missing file).
    """
    sequence = scan_frame_folder(frame_dir)
    missing = sequence.missing_numbers()
    if missing:
        raise FrameFolderError(
            FRAME_GAP,
            f'frame numbering has {len(missing)} gap(s), first missing '
            f'{osp.join(frame_dir, sequence.filename_tmpl.format(missing[0]))}'
        )
    return (sequence.filename_tmpl, sequence.start_index,
            len(sequence.files))


def read_frames(
    paths: Sequence[str],
    transform: Optional[Callable[[np.ndarray], np.ndarray]] = None
) -> Tuple[List[np.ndarray], Tuple[int, int]]:
    """Decode frame files that must form one clip.

    Each frame goes through ``transform`` (e.g. a resize) as soon as it is
    decoded, so that only transformed frames are held. 16-bit frames are
    brought to 8 bits by the range the clip's values use
    (:func:`~kga_mmaction.datasets.input_sanity.significant_bits`), with a
    :class:`~kga_mmaction.datasets.input_sanity.HighBitDepthWarning`.

    Args:
        paths (Sequence[str]): Frame files, in clip order.
        transform (Callable, optional): Applied to each ``H x W x 3`` RGB
            frame (uint8, or uint16 for a 16-bit file). Defaults to None.

    Returns:
        tuple: The ``H x W x 3`` uint8 RGB frames, one per path, and the
        ``(H, W)`` they have in the files.

    Raises:
        FileNotFoundError: If a file does not exist.
        ValueError: If a file cannot be decoded, or the frames differ in
            size; the message names the files.
    """
    frames, shape, peak = [], None, 0
    for path in paths:
        frame = to_rgb(decode_image(path), path)
        if shape is None:
            shape = frame.shape[:2]
        elif frame.shape[:2] != shape:
            raise ValueError(f'frame {path} is {frame.shape[1]}x'
                             f'{frame.shape[0]}, but {paths[0]} is '
                             f'{shape[1]}x{shape[0]}')
        if frame.dtype == np.uint16:
            peak = max(peak, int(frame.max()))
        frames.append(frame if transform is None else transform(frame))
    if any(frame.dtype == np.uint16 for frame in frames):
        bits = significant_bits(peak)
        warnings.warn(
            f'frames of {osp.dirname(paths[0])} are 16-bit with values up '
            f'to {peak}: read as {bits}-bit data ({2**bits - 1} -> 255)',
            HighBitDepthWarning)
        frames = [
            scale_to_uint8(frame, bits) if frame.dtype == np.uint16 else frame
            for frame in frames
        ]
    return frames, shape
