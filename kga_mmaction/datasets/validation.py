"""Consistency checks of the BUSV and BUSI trees.

One implementation serves three callers, so that training fails early with
the same messages the checking tool prints:

* :class:`~kga_mmaction.datasets.BUSVDataset` and
  :class:`~kga_mmaction.datasets.BUSIDataset` index their root with
  :func:`index_busv_root` / :func:`index_busi_root` (cheap checks only) and
  raise one error listing the problems through :func:`raise_for_problems`;
* ``tools/data/check_dataset.py`` calls :func:`check_busv_root` /
  :func:`check_busi_root` and prints :func:`format_busv_summary`,
  :func:`format_busi_summary` and :func:`format_problems`.

Cheap checks (directory listings and file sizes, no decoding):

* BUSV: the ``rawframes/`` folder and both CocoVID JSONs exist; every class
  folder is ``benign`` or ``malignant``; every ``file_name`` in the JSONs is
  ``<benign|malignant>/<video_id>/NNNNNN.png``; no video is in both JSONs;
  every frame a JSON lists exists and is not empty; every video folder holds
  frames, numbered ``000000`` upward without gaps, each listed in a JSON;
  every video folder is in a JSON; one frame size per video in the JSON.
* BUSI: the class folders exist and none is unknown; each class has images;
  no image or mask is an empty file. Images without a mask and masks without
  an image are warnings (KGA-Net does not use masks).

Deep checks (``deep=True``, slow: decodes every file): every PNG decodes;
BUSV frame sizes equal the JSON's ``height``/``width``.

Problems are :class:`Problem` records: a kind, the offending path and a
detail. Errors raised from them are ``FileNotFoundError`` when every problem
is something missing and ``ValueError`` otherwise.
"""
import json
import os
import os.path as osp
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from PIL import Image

from .transforms.loading import read_rgb_image

BUSV_CLASSES = ('benign', 'malignant')
BUSI_CLASSES = ('benign', 'malignant', 'normal')
BUSV_SPLITS = ('train', 'val')

#: BUSV frame file names: 6 digits, 0-based, PNG.
BUSV_FRAME_TMPL = '{:06}.png'
BUSV_FRAME_RE = re.compile(r'^(\d{6})\.png$')
#: Folder of a BUSV root that holds ``<class>/<video_id>/`` frame folders.
BUSV_FRAMES_FOLDER = 'rawframes'
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
BUSI_FOLDER = 'Dataset_BUSI_with_GT'
IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff')
#: A BUSI mask stem: ``<image stem>_mask`` or ``<image stem>_mask_<k>``.
BUSI_MASK_RE = re.compile(r'^(?P<stem>.+)_mask(?:_(?P<extra>\d+))?$')
#: ``benign (12)`` -> 12, for natural sorting.
BUSI_NUMBER_RE = re.compile(r'\((\d+)\)')
#: How many problems an exception message lists before ``... and N more``.
MAX_LISTED_PROBLEMS = 10

# Problem kinds.
MISSING_CLASS_DIR = 'missing_class_dir'
MISSING_FRAME = 'missing_frame'
MISSING_PATH = 'missing_path'
JSON_ENTRY_WITHOUT_FILES = 'json_entry_without_files'
UNREADABLE_FILE = 'unreadable_file'
EMPTY_VIDEO = 'empty_video'
EMPTY_CLASS = 'empty_class'
FRAME_GAP = 'frame_gap'
UNKNOWN_LABEL = 'unknown_label'
BAD_JSON_ENTRY = 'bad_json_entry'
FRAMES_NOT_IN_JSON = 'frames_not_in_json'
VIDEO_IN_BOTH_SPLITS = 'video_in_both_splits'
SIZE_MISMATCH = 'size_mismatch'
# Warning kinds (reported, never fatal).
MISSING_MASK = 'missing_mask'
ORPHAN_MASK = 'orphan_mask'
UNEXPECTED_FILE = 'unexpected_file'
VIDEO_NOT_IN_JSON = 'video_not_in_json'

#: Kinds that mean "a file or folder is not there"; an error made only of
#: these is a FileNotFoundError.
MISSING_KINDS = frozenset(
    {MISSING_CLASS_DIR, MISSING_FRAME, MISSING_PATH, JSON_ENTRY_WITHOUT_FILES})


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


def _visible_entries(folder: str) -> List[os.DirEntry]:
    """Entries of ``folder`` sorted by name, hidden ones (``.*``) left out."""
    with os.scandir(folder) as it:
        return sorted((e for e in it if not e.name.startswith('.')),
                      key=lambda e: e.name)


def _check_decodes(path: str) -> Optional[Problem]:
    """Decode ``path``; return an :data:`UNREADABLE_FILE` problem if it fails.
    """
    try:
        read_rgb_image(path)
    except (ValueError, OSError) as err:
        return Problem(UNREADABLE_FILE, path, str(err))
    return None


# ---------------------------------------------------------------- BUSV ----


@dataclass
class BUSVVideo:
    """A BUSV video that is both in a JSON and on disk.

    Args:
        name (str): ``<class>/<video_id>``, as in the JSON's ``file_name``.
        class_name (str): ``'benign'`` or ``'malignant'`` (as released).
        video_id (str): The folder name, e.g. ``'x28f299ceb056964c'``.
        split (str): ``'train'`` or ``'val'``: which JSON holds the video.
        frame_dir (str): Absolute path of the frame folder.
        total_frames (int): Number of frames on disk.
        height (int): Frame height from the JSON.
        width (int): Frame width from the JSON.
        json_path (str): The JSON the video is in.
    """
    name: str
    class_name: str
    video_id: str
    split: str
    frame_dir: str
    total_frames: int
    height: int
    width: int
    json_path: str


@dataclass
class BUSVIndex:
    """Result of :func:`index_busv_root`.

    Args:
        root (str): Absolute BUSV root.
        annotation_files (dict): Split -> JSON path used.
        videos (list[BUSVVideo]): Videos in a JSON with frames on disk,
            sorted by split then name.
        problems (list[Problem]): Everything the checks found that stops
            loading.
        warnings (list[Problem]): Findings that leave the splits as the
            JSONs define them: frame folders that no JSON lists (copies of
            BUSV often carry extra videos).
    """
    root: str
    annotation_files: Dict[str, str]
    videos: List[BUSVVideo] = field(default_factory=list)
    problems: List[Problem] = field(default_factory=list)
    warnings: List[Problem] = field(default_factory=list)


@dataclass
class _JsonVideo:
    name: str
    split: str
    json_path: str
    frames: Dict[int, int] = field(default_factory=dict)  # frame -> img id
    sizes: Counter = field(default_factory=Counter)  # (h, w) -> count


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
        FileNotFoundError: If no candidate exists; names every path tried.
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
    raise FileNotFoundError(f'no BUSV {split} annotation file; tried ' +
                            ', '.join(candidates))


def _load_busv_json(json_path: str,
                    split: str) -> Tuple[Dict[str, _JsonVideo], List[Problem]]:
    """Group the ``images`` of a CocoVID JSON by video folder."""
    try:
        with open(json_path, encoding='utf-8') as f:
            data = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f'cannot read BUSV annotation file {json_path}: '
                         f'{err}') from err
    if not isinstance(data, dict) or not isinstance(data.get('images'), list):
        raise ValueError(f'BUSV annotation file {json_path} has no "images" '
                         'list (expected a CocoVID JSON)')
    videos: Dict[str, _JsonVideo] = {}
    problems = []
    for record in data['images']:
        file_name = record.get('file_name') if isinstance(record,
                                                          dict) else None
        entry = (f'entry {file_name!r} (image id {record.get("id")})'
                 if file_name is not None else f'entry {record!r}')
        parts = file_name.split('/') if isinstance(file_name, str) else []
        if len(parts) != 3:
            problems.append(
                Problem(
                    BAD_JSON_ENTRY, json_path, f'{entry}: file_name is not '
                    '<class>/<video_id>/<frame>.png'))
            continue
        class_name, video_id, frame_file = parts
        if class_name not in BUSV_CLASSES:
            problems.append(
                Problem(
                    UNKNOWN_LABEL, json_path,
                    f'{entry}: label {class_name!r} is not one of '
                    f'{", ".join(BUSV_CLASSES)}'))
            continue
        match = BUSV_FRAME_RE.match(frame_file)
        height, width = record.get('height'), record.get('width')
        if match is None or not isinstance(height, int) or not isinstance(
                width, int):
            problems.append(
                Problem(
                    BAD_JSON_ENTRY, json_path,
                    f'{entry}: expected a NNNNNN.png frame and integer '
                    'height/width'))
            continue
        name = f'{class_name}/{video_id}'
        video = videos.setdefault(name, _JsonVideo(name, split, json_path))
        video.frames[int(match.group(1))] = record.get('id')
        video.sizes[(height, width)] += 1
    for video in videos.values():
        if len(video.sizes) > 1:
            sizes = ', '.join(f'{w}x{h} ({n} frames)'
                              for (h, w), n in video.sizes.most_common())
            problems.append(
                Problem(
                    BAD_JSON_ENTRY, json_path,
                    f'video {video.name} has several frame sizes: '
                    f'{sizes}'))
    return videos, problems


@dataclass
class _DiskVideo:
    name: str
    path: str
    frames: List[int]
    other_files: int


def _scan_rawframes(
        rawframes: str) -> Tuple[Dict[str, _DiskVideo], List[Problem]]:
    """List the video folders and frames under ``rawframes/``."""
    videos: Dict[str, _DiskVideo] = {}
    problems = []
    for class_entry in _visible_entries(rawframes):
        if not class_entry.is_dir():
            continue
        if class_entry.name not in BUSV_CLASSES:
            problems.append(
                Problem(
                    UNKNOWN_LABEL, class_entry.path,
                    f'class folder {class_entry.name!r} is not one of '
                    f'{", ".join(BUSV_CLASSES)}'))
            continue
        for video_entry in _visible_entries(class_entry.path):
            if not video_entry.is_dir():
                continue
            frames, other_files = [], 0
            for frame_entry in _visible_entries(video_entry.path):
                match = BUSV_FRAME_RE.match(frame_entry.name)
                if match is None or not frame_entry.is_file():
                    other_files += 1
                    continue
                frames.append(int(match.group(1)))
                if frame_entry.stat().st_size == 0:
                    problems.append(
                        Problem(UNREADABLE_FILE, frame_entry.path,
                                'empty file (0 bytes)'))
            name = f'{class_entry.name}/{video_entry.name}'
            videos[name] = _DiskVideo(name, video_entry.path, sorted(frames),
                                      other_files)
            if not frames:
                detail = 'no NNNNNN.png frames'
                if other_files:
                    detail += f' ({other_files} other file(s))'
                problems.append(Problem(EMPTY_VIDEO, video_entry.path, detail))
    return videos, problems


def index_busv_root(root: str, deep: bool = False) -> BUSVIndex:
    """Index a BUSV root and check it.

    Args:
        root (str): Folder holding ``rawframes/`` and the CocoVID JSONs
            (at the root or under ``annotations/``, see
            :data:`BUSV_ANNOTATION_FILES`).
        deep (bool): Also decode every frame and compare its size with the
            JSON. Slow. Defaults to False.

    Returns:
        BUSVIndex: The videos and the problems found. Nothing is raised for
        problems inside the tree; the caller decides.

    Raises:
        FileNotFoundError: If ``root``, ``rawframes/`` or a JSON is missing.
        ValueError: If a JSON is not a readable CocoVID file.
    """
    root = osp.abspath(root)
    rawframes = osp.join(root, BUSV_FRAMES_FOLDER)
    if not osp.isdir(rawframes):
        raise FileNotFoundError(
            f'BUSV frame folder not found: {rawframes} (expected '
            '<root>/rawframes/<benign|malignant>/<video_id>/NNNNNN.png)')
    annotation_files = {
        split: find_busv_annotation(root, split)
        for split in BUSV_SPLITS
    }
    index = BUSVIndex(root, annotation_files)
    problems = index.problems

    json_videos: Dict[str, _JsonVideo] = {}
    for split, json_path in annotation_files.items():
        videos, json_problems = _load_busv_json(json_path, split)
        problems.extend(json_problems)
        for name, video in videos.items():
            if name in json_videos:
                problems.append(
                    Problem(
                        VIDEO_IN_BOTH_SPLITS, osp.join(rawframes, name),
                        f'in {json_videos[name].json_path} and '
                        f'{json_path}'))
                continue
            json_videos[name] = video

    disk_videos, disk_problems = _scan_rawframes(rawframes)
    problems.extend(disk_problems)

    for name, disk in disk_videos.items():
        if disk.frames and name not in json_videos:
            index.warnings.append(
                Problem(
                    VIDEO_NOT_IN_JSON, disk.path,
                    f'{len(disk.frames)} frames, in neither ' +
                    ' nor '.join(annotation_files.values())))

    for name, video in sorted(
            json_videos.items(), key=lambda kv: (kv[1].split, kv[0])):
        frame_dir = osp.join(rawframes, name)
        disk = disk_videos.get(name)
        if disk is None:
            problems.append(
                Problem(
                    JSON_ENTRY_WITHOUT_FILES, frame_dir,
                    f'{len(video.frames)} frames listed in '
                    f'{video.json_path}, folder missing'))
            continue
        if not disk.frames:
            continue  # reported as EMPTY_VIDEO
        on_disk = set(disk.frames)
        for frame in sorted(set(video.frames) - on_disk):
            problems.append(
                Problem(
                    MISSING_FRAME,
                    osp.join(frame_dir, BUSV_FRAME_TMPL.format(frame)),
                    f'listed in {video.json_path} as image id '
                    f'{video.frames[frame]}'))
        extra = sorted(on_disk - set(video.frames))
        if extra:
            problems.append(
                Problem(
                    FRAMES_NOT_IN_JSON,
                    osp.join(frame_dir, BUSV_FRAME_TMPL.format(extra[0])),
                    f'{len(extra)} frame(s) of this folder are not listed '
                    f'in {video.json_path}'))
        (height, width), _ = video.sizes.most_common(1)[0]
        index.videos.append(
            BUSVVideo(
                name=name,
                class_name=name.split('/')[0],
                video_id=name.split('/')[1],
                split=video.split,
                frame_dir=frame_dir,
                total_frames=len(disk.frames),
                height=height,
                width=width,
                json_path=video.json_path))

    for name, disk in disk_videos.items():
        if not disk.frames:
            continue
        listed = set(
            json_videos[name].frames) if name in json_videos else set()
        # Holes that are not listed in the JSON (those are MISSING_FRAME).
        holes = sorted(
            set(range(disk.frames[-1] + 1)) - set(disk.frames) - listed)
        if holes:
            problems.append(
                Problem(
                    FRAME_GAP,
                    osp.join(disk.path, BUSV_FRAME_TMPL.format(holes[0])),
                    f'frame numbering of {disk.path} has {len(holes)} '
                    f'hole(s) between 000000 and '
                    f'{BUSV_FRAME_TMPL.format(disk.frames[-1])}'))

    if deep:
        sizes = {v.name: (v.height, v.width) for v in index.videos}
        for name, disk in disk_videos.items():
            mismatch = None
            for frame in disk.frames:
                path = osp.join(disk.path, BUSV_FRAME_TMPL.format(frame))
                if os.stat(path).st_size == 0:
                    continue  # reported by the cheap check
                try:
                    img = read_rgb_image(path)
                except (ValueError, OSError) as err:
                    problems.append(Problem(UNREADABLE_FILE, path, str(err)))
                    continue
                if (mismatch is None and name in sizes
                        and img.shape[:2] != sizes[name]):
                    h, w = sizes[name]
                    mismatch = Problem(
                        SIZE_MISMATCH, path,
                        f'decoded {img.shape[1]}x{img.shape[0]}, JSON says '
                        f'{w}x{h}')
            if mismatch is not None:
                problems.append(mismatch)

    index.videos.sort(key=lambda v: (BUSV_SPLITS.index(v.split), v.name))
    return index


def _frame_stats(counts: Sequence[int]) -> dict:
    if not counts:
        return dict(frames=0, min_frames=0, median_frames=0, max_frames=0)
    return dict(
        frames=sum(counts),
        min_frames=min(counts),
        median_frames=statistics.median(counts),
        max_frames=max(counts))


def check_busv_root(root: str, deep: bool = False) -> dict:
    """Check a BUSV root and summarise it per split, variant and class.

    Args:
        root (str): BUSV root (see :func:`index_busv_root`).
        deep (bool): Also decode every frame. Defaults to False.

    Returns:
        dict: ``root``, ``annotation_files`` (split -> JSON),
        ``splits`` (split -> variant -> class -> ``videos``, ``frames``,
        ``min_frames``, ``median_frames``, ``max_frames``, ``sizes``: a
        ``{'WxH': videos}`` dict), ``variant_changes`` (variant -> what the
        variant changed, see
        :func:`~kga_mmaction.datasets.busv_dataset.apply_split_variant`),
        ``problems`` and ``warnings`` (lists of :class:`Problem`).

    Raises:
        FileNotFoundError: If ``root``, ``rawframes/`` or a JSON is missing.
        ValueError: If a JSON is not a readable CocoVID file.
    """
    # Imported here: busv_dataset imports this module at load time.
    from .busv_dataset import SPLIT_VARIANTS, apply_split_variant

    index = index_busv_root(root, deep=deep)
    by_name = {video.name: video for video in index.videos}
    splits: Dict[str, dict] = {split: {} for split in BUSV_SPLITS}
    variant_changes = {}
    for variant in SPLIT_VARIANTS:
        kept, changes = apply_split_variant(
            [dict(name=v.name, class_name=v.class_name) for v in index.videos],
            variant)
        variant_changes[variant] = changes
        for split in BUSV_SPLITS:
            per_class = {}
            for label, class_name in enumerate(BUSV_CLASSES):
                videos = [
                    by_name[item['name']] for item in kept
                    if item['label'] == label
                    and by_name[item['name']].split == split
                ]
                stats = dict(videos=len(videos))
                stats.update(_frame_stats([v.total_frames for v in videos]))
                stats['sizes'] = dict(
                    Counter(f'{v.width}x{v.height}'
                            for v in videos).most_common())
                per_class[class_name] = stats
            splits[split][variant] = per_class
    return dict(
        root=index.root,
        annotation_files=index.annotation_files,
        splits=splits,
        variant_changes=variant_changes,
        problems=index.problems,
        warnings=index.warnings)


_CHANGE_LABELS = dict(
    dropped_duplicate='dropped (duplicate)',
    dropped_leaking='dropped (leaking)',
    relabelled='relabelled malignant',
    not_found='errata videos absent from this root')


def format_busv_summary(summary: dict) -> str:
    """Render :func:`check_busv_root`'s summary as a text table."""
    header = ('split', 'variant', 'class', 'videos', 'frames', 'min', 'median',
              'max', 'sizes (WxH: videos)')
    rows = []
    for split, variants in summary['splits'].items():
        for variant, per_class in variants.items():
            for class_name, s in per_class.items():
                sizes = ', '.join(f'{size}: {n}'
                                  for size, n in s['sizes'].items()) or '-'
                rows.append((split, variant, class_name, s['videos'],
                             s['frames'], s['min_frames'], s['median_frames'],
                             s['max_frames'], sizes))
    lines = [f'BUSV {summary["root"]}']
    for split, path in summary['annotation_files'].items():
        lines.append(f'  {split} annotations: {path}')
    lines.append(_table(header, rows))
    for variant, changes in summary['variant_changes'].items():
        for what, names in changes.items():
            if names:
                lines.append(f'  {variant} variant, '
                             f'{_CHANGE_LABELS.get(what, what)}: '
                             f'{", ".join(names)}')
    return '\n'.join(lines)


# ---------------------------------------------------------------- BUSI ----


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


def index_busi_root(root: str,
                    classes: Optional[Sequence[str]] = None,
                    deep: bool = False,
                    read_headers: bool = False) -> BUSIIndex:
    """Index a BUSI root and check it.

    Args:
        root (str): See :func:`resolve_busi_root`.
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

    for entry in _visible_entries(root):
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
        for entry in _visible_entries(class_dir):
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


def _is_extra_mask(path: str) -> bool:
    """Whether ``path`` is a ``_mask_<k>`` file (not the primary mask)."""
    match = BUSI_MASK_RE.match(osp.splitext(osp.basename(path))[0])
    return match is not None and match.group('extra') is not None


def check_busi_root(root: str,
                    deep: bool = False,
                    classes: Optional[Sequence[str]] = None) -> dict:
    """Check a BUSI root and summarise it per class.

    Args:
        root (str): See :func:`resolve_busi_root`.
        deep (bool): Decode every image and mask. Defaults to False.
        classes (Sequence[str], optional): Classes to check; None checks
            every known class folder present.

    Returns:
        dict: ``root``, ``classes`` (class -> ``images``, ``masks`` (primary
        ``_mask`` files), ``extra_masks`` (``_mask_<k>`` files),
        ``images_without_mask``, ``modes`` (``{'L': n, 'RGB': n}``),
        ``min_size``/``max_size`` (``'WxH'`` of the smallest/largest area)),
        ``problems`` and ``warnings`` (lists of :class:`Problem`).

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
    return f'BUSI {summary["root"]}\n' + _table(header, rows)


def _table(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """Left-aligned plain-text table."""
    rows = [tuple(str(c) for c in row) for row in rows]
    widths = [
        max([len(h)] + [len(row[i]) for row in rows])
        for i, h in enumerate(header)
    ]

    def line(cells):
        return ('  ' + '  '.join(c.ljust(w)
                                 for c, w in zip(cells, widths))).rstrip()

    rule = '  ' + '  '.join('-' * w for w in widths)
    return '\n'.join([line(header), rule] + [line(row) for row in rows])
