"""Findings of the dataset checks, the errors raised from them and their
text report.

One set of checks serves the datasets and the checking tool, so that
training fails early with the lines the tool prints:

* :class:`~kga_mmaction.datasets.BUSVDataset`,
  :class:`~kga_mmaction.datasets.BUSIDataset` and
  :class:`~kga_mmaction.datasets.VideoListDataset` collect :class:`Problem`
  records while they index their data and raise one error listing them
  through :func:`raise_for_problems`;
* ``tools/data/check_dataset.py`` prints the summary tables and every
  problem (:func:`format_problems`).

Errors raised from problems are ``FileNotFoundError`` when every problem is
something missing (:data:`MISSING_KINDS`) and ``ValueError`` otherwise.
"""
import os
import os.path as osp
from dataclasses import dataclass
from typing import Optional, Sequence

#: How many problems an exception message lists before ``... and N more``.
MAX_LISTED_PROBLEMS = 10

# Problem kinds: they stop loading.
MISSING_CLASS_DIR = 'missing_class_dir'
MISSING_FRAME = 'missing_frame'
MISSING_PATH = 'missing_path'
JSON_ENTRY_WITHOUT_FILES = 'json_entry_without_files'
UNREADABLE_FILE = 'unreadable_file'
EMPTY_VIDEO = 'empty_video'
EMPTY_CLASS = 'empty_class'
FRAME_GAP = 'frame_gap'
MIXED_FRAME_NAMES = 'mixed_frame_names'
UNKNOWN_LABEL = 'unknown_label'
BAD_JSON_ENTRY = 'bad_json_entry'
FRAMES_NOT_IN_JSON = 'frames_not_in_json'
VIDEO_IN_BOTH_SPLITS = 'video_in_both_splits'
SIZE_MISMATCH = 'size_mismatch'
BAD_LINE = 'bad_line'
UNKNOWN_MEDIA = 'unknown_media'
MIXED_MEDIA = 'mixed_media'
BROKEN_SYMLINK = 'broken_symlink'
DUPLICATE_FRAME = 'duplicate_frame'
DUPLICATE_ID = 'duplicate_id'
DUPLICATE_ENTRY = 'duplicate_entry'
VIDEO_IN_TWO_CLASSES = 'video_in_two_classes'
BAD_BOX = 'bad_box'
# Pixel checks (kga_mmaction.datasets.input_sanity) of tools/infer.py and
# of the deep dataset check; frames shared by two videos (deep check).
BLANK_VIDEO = 'blank_video'
SMALL_FRAMES = 'small_frames'
HIGH_BIT_DEPTH = 'high_bit_depth'
SHARED_FRAMES = 'shared_frames'
# Warning kinds (reported, never fatal).
MISSING_MASK = 'missing_mask'
ORPHAN_MASK = 'orphan_mask'
UNEXPECTED_FILE = 'unexpected_file'
VIDEO_NOT_IN_JSON = 'video_not_in_json'

#: Kinds that mean "a file or folder is not there"; an error made only of
#: these is a FileNotFoundError.
MISSING_KINDS = frozenset({
    MISSING_CLASS_DIR, MISSING_FRAME, MISSING_PATH, JSON_ENTRY_WITHOUT_FILES,
    BROKEN_SYMLINK
})


def broken_symlink_target(path: str) -> Optional[str]:
    """The target of ``path`` if it is a symbolic link to nothing.

    Args:
        path (str): Any path.

    Returns:
        str | None: What the link points to when ``path`` is a link whose
        target does not exist; None otherwise (a missing path, a plain file
        or folder, a working link).
    """
    if osp.islink(path) and not osp.exists(path):
        return os.readlink(path)
    return None


@dataclass(frozen=True)
class Problem:
    """One finding of a check.

    Args:
        kind (str): One of the kind constants of this module.
        path (str): The offending file or folder (absolute).
        detail (str): What is wrong with it. Defaults to ``''``.
    """
    kind: str
    path: str
    detail: str = ''

    def __str__(self) -> str:
        text = f'{self.kind}: {self.path}'
        return f'{text} ({self.detail})' if self.detail else text


def format_problems(problems: Sequence[Problem],
                    limit: Optional[int] = None) -> str:
    """One line per problem, the first ``limit`` and a count of the rest.

    Args:
        problems (Sequence[Problem]): Problems to list.
        limit (int, optional): How many to list; all if None.

    Returns:
        str: Lines indented by two spaces, joined by newlines.
    """
    shown = problems if limit is None else problems[:limit]
    lines = [f'  {problem}' for problem in shown]
    if len(problems) > len(shown):
        lines.append(f'  ... and {len(problems) - len(shown)} more')
    return '\n'.join(lines)


def raise_for_problems(problems: Sequence[Problem],
                       subject: str,
                       hint: str = '') -> None:
    """Raise one exception listing ``problems``; do nothing if none.

    Args:
        problems (Sequence[Problem]): What the checks found.
        subject (str): What was checked, e.g. ``'BUSV root /data/busv'``.
        hint (str): A sentence appended to the message, e.g. how to get a
            full report. Defaults to ``''``.

    Raises:
        FileNotFoundError: If every problem is of a missing kind.
        ValueError: Otherwise.
    """
    if not problems:
        return
    message = (f'{subject} has {len(problems)} problem(s):\n' +
               format_problems(problems, MAX_LISTED_PROBLEMS))
    if hint:
        message += f'\n{hint}'
    if all(problem.kind in MISSING_KINDS for problem in problems):
        raise FileNotFoundError(message)
    raise ValueError(message)
