"""Index and check a BUSV root (layout: :mod:`.layout`).

:func:`index_busv_root` pairs the videos of the CocoVID JSONs with the frame
folders on disk and records every inconsistency as a
:class:`~kga_mmaction.datasets.problems.Problem`; nothing inside the tree is
raised, the caller decides (:class:`~kga_mmaction.datasets.BUSVDataset`
raises, ``tools/data/check_dataset.py`` reports).

Cheap checks (directory listings and file sizes, no decoding): the
``rawframes/`` folder and both CocoVID JSONs exist (a UTF-8 BOM is
accepted); every class folder is ``benign`` or ``malignant``; every
``file_name`` in the JSONs is ``<benign|malignant>/<video_id>/NNNNNN.png``
(or ``.jpg``, see :mod:`.layout`); image ids are unique within a JSON, and
so are the ids of its ``videos``; every annotation has an ``image_id`` of a
listed frame and an ``[x, y, w, h]`` ``bbox`` of finite numbers within reach
of its frame (the lesion area of each frame is read from them, see
:mod:`.lesion_areas`); no video is in both JSONs, and no video id is listed
under both classes;
every frame a JSON lists exists and is not empty; every video folder holds
one sequence of frames (:mod:`~kga_mmaction.datasets.frame_folder`: a frame
number stored twice is a problem, an image without a frame number a
warning), numbered ``000000`` upward without gaps, each listed in a JSON;
every video folder is in a JSON (a folder that is not is a warning); one
frame format per video folder, the one its JSON names; one frame size per
video in the JSON; broken symbolic links are named as such.

Deep checks (``deep=True``, slow: decodes every frame): every frame decodes;
frame sizes equal the JSON's ``height``/``width``; the pixels pass the
input checks of :mod:`~kga_mmaction.datasets.input_sanity` (8-bit frames,
not mostly blank, not tiny); and no two videos share a frame: a hash of
every decoded frame (blank ones left out) finds pixel-identical frames in
different videos, reported per pair of videos with the number of frames
they share, their classes and splits.
"""
import hashlib
import json
import os
import os.path as osp
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from typing import Dict, List, Tuple

import numpy as np

from ..frame_folder import (FrameFolderError, scan_frame_folder,
                            visible_entries)
from ..input_sanity import INPUT_SANITY, significant_bits, scale_to_uint8
from ..problems import (BAD_JSON_ENTRY, BROKEN_SYMLINK, DUPLICATE_ID,
                        EMPTY_VIDEO, FRAME_GAP, FRAMES_NOT_IN_JSON,
                        HIGH_BIT_DEPTH, JSON_ENTRY_WITHOUT_FILES,
                        MISSING_FRAME, SHARED_FRAMES, SIZE_MISMATCH,
                        UNEXPECTED_FILE, UNKNOWN_LABEL, UNREADABLE_FILE,
                        VIDEO_IN_BOTH_SPLITS, VIDEO_IN_TWO_CLASSES,
                        VIDEO_NOT_IN_JSON, Problem, broken_symlink_target)
from ..transforms.loading import decode_image, to_rgb
from .layout import (BUSV_CLASSES, BUSV_FRAME_EXTENSIONS, BUSV_FRAME_RE,
                     BUSV_FRAME_TMPL,
                     BUSV_FRAMES_FOLDER, BUSV_SPLITS, busv_frame_tmpl,
                     find_busv_annotation)
from .lesion_areas import lesion_areas_by_image


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
        lesion_areas (list[float]): Lesion area of each frame on disk, in
            pixels, by frame number: the summed areas of the frame's boxes
            in the JSON, 0 for a frame without a box (see
            :mod:`.lesion_areas`). ``[total_frames]``.
        filename_tmpl (str): Name template of its frames (``'{:06}.png'``
            as released, ``'{:06}.jpg'`` once converted).
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
    lesion_areas: List[float]
    filename_tmpl: str = BUSV_FRAME_TMPL


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
            BUSV often carry extra videos), image files without a frame
            number, left out of their video.
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
    extensions: Counter = field(default_factory=Counter)  # 'png' -> count
    lesion_areas: Dict[int, float] = field(
        default_factory=dict)  # frame -> area, frames with a box only


def _duplicate_video_ids(data: dict, json_path: str) -> List[Problem]:
    """Ids of the JSON's ``videos`` list used by two names."""
    problems, name_of = [], {}
    videos = data.get('videos')
    for video in videos if isinstance(videos, list) else []:
        if not isinstance(video, dict) or video.get('id') is None:
            continue
        if video['id'] in name_of:
            problems.append(
                Problem(
                    DUPLICATE_ID, json_path,
                    f'video id {video["id"]!r} is used by '
                    f'{name_of[video["id"]]!r} and {video.get("name")!r}'))
            continue
        name_of[video['id']] = video.get('name')
    return problems


def _load_busv_json(json_path: str,
                    split: str) -> Tuple[Dict[str, _JsonVideo], List[Problem]]:
    """Group the ``images`` of a CocoVID JSON by video folder, with the
    lesion area of the frames that have a box in its ``annotations``."""
    try:
        with open(json_path, encoding='utf-8-sig') as f:
            data = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f'cannot read BUSV annotation file {json_path}: '
                         f'{err}') from err
    if not isinstance(data, dict) or not isinstance(data.get('images'), list):
        raise ValueError(f'BUSV annotation file {json_path} has no "images" '
                         'list (expected a CocoVID JSON)')
    videos: Dict[str, _JsonVideo] = {}
    problems = _duplicate_video_ids(data, json_path)
    frame_of_image: Dict[object, Tuple[_JsonVideo, int]] = {}
    file_of_image: Dict[object, Tuple[str, int, int]] = {}
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
                    f'{entry}: expected a NNNNNN.png (or .jpg) frame and '
                    'integer height/width'))
            continue
        image_id = record.get('id')
        name = f'{class_name}/{video_id}'
        video = videos.setdefault(name, _JsonVideo(name, split, json_path))
        video.frames[int(match.group(1))] = image_id
        video.sizes[(height, width)] += 1
        video.extensions[match.group(2)] += 1
        if image_id is not None and image_id in file_of_image:
            # the boxes of this id would land on either frame
            problems.append(
                Problem(
                    DUPLICATE_ID, json_path,
                    f'image id {image_id!r} is used by '
                    f'{file_of_image[image_id][0]!r} and {file_name!r}'))
            continue
        frame_of_image[image_id] = (video, int(match.group(1)))
        file_of_image[image_id] = (file_name, height, width)
    areas, area_problems = lesion_areas_by_image(
        data.get('annotations', []), json_path, file_of_image)
    problems.extend(area_problems)
    for image_id, area in areas.items():
        if image_id not in frame_of_image:
            problems.append(
                Problem(
                    BAD_JSON_ENTRY, json_path,
                    f'annotation of image id {image_id!r}: no such frame '
                    'in "images"'))
            continue
        video, frame = frame_of_image[image_id]
        video.lesion_areas[frame] = area
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
    frames: List[int]  # frame numbers, increasing; empty if unusable
    extension: str = 'png'  # of its frames

    @property
    def tmpl(self) -> str:
        return busv_frame_tmpl(self.extension)


def _broken_link_problem(path: str) -> Problem:
    return Problem(
        BROKEN_SYMLINK, path,
        f'symbolic link to {broken_symlink_target(path)}, which does not '
        'exist')


def _scan_video_folder(
        name: str, path: str) -> Tuple[_DiskVideo, List[Problem],
                                       List[Problem]]:
    """The frames of one video folder, its problems and its warnings."""
    try:
        sequence = scan_frame_folder(path)
    except FrameFolderError as err:
        return _DiskVideo(name, path, []), [Problem(err.kind, path,
                                                    str(err))], []
    warnings = [
        Problem(UNEXPECTED_FILE, stray,
                'image without a frame number, left out of the video')
        for stray in sequence.stray_files
    ]
    extension = osp.splitext(sequence.filename_tmpl)[1][1:]
    if (extension not in BUSV_FRAME_EXTENSIONS
            or sequence.filename_tmpl != busv_frame_tmpl(extension)):
        return _DiskVideo(name, path, []), [
            Problem(
                EMPTY_VIDEO, path,
                f'no NNNNNN.png (or .jpg) frames: its frames are named '
                f'{sequence.filename_tmpl} (e.g. '
                f'{osp.basename(sequence.files[0])})')
        ], warnings
    problems = [
        Problem(UNREADABLE_FILE, frame_path, 'empty file (0 bytes)')
        for frame_path in sequence.files if os.stat(frame_path).st_size == 0
    ]
    return (_DiskVideo(name, path, sequence.numbers, extension), problems,
            warnings)


def _scan_rawframes(
    rawframes: str
) -> Tuple[Dict[str, _DiskVideo], List[Problem], List[Problem]]:
    """List the video folders and frames under ``rawframes/``, with the
    problems and warnings found."""
    videos: Dict[str, _DiskVideo] = {}
    problems, warnings = [], []
    for class_entry in visible_entries(rawframes):
        if broken_symlink_target(class_entry.path) is not None:
            problems.append(_broken_link_problem(class_entry.path))
            continue
        if not class_entry.is_dir():
            continue
        if class_entry.name not in BUSV_CLASSES:
            problems.append(
                Problem(
                    UNKNOWN_LABEL, class_entry.path,
                    f'class folder {class_entry.name!r} is not one of '
                    f'{", ".join(BUSV_CLASSES)}'))
            continue
        for video_entry in visible_entries(class_entry.path):
            name = f'{class_entry.name}/{video_entry.name}'
            if broken_symlink_target(video_entry.path) is not None:
                problems.append(_broken_link_problem(video_entry.path))
                videos[name] = _DiskVideo(name, video_entry.path, [])
                continue
            if not video_entry.is_dir():
                continue
            video, found, warned = _scan_video_folder(name, video_entry.path)
            videos[name] = video
            problems.extend(found)
            warnings.extend(warned)
    return videos, problems, warnings


def _two_class_problems(json_videos: Dict[str, _JsonVideo],
                        rawframes: str) -> List[Problem]:
    """A video id listed under both classes: a label conflict, and a leak
    when the two are in different splits."""
    by_id = defaultdict(list)
    for name, video in json_videos.items():
        by_id[name.split('/')[1]].append(video)
    problems = []
    for listed in by_id.values():
        if len({video.name.split('/')[0] for video in listed}) < 2:
            continue
        first, *others = sorted(
            listed, key=lambda v: BUSV_CLASSES.index(v.name.split('/')[0]))
        for other in others:
            leak = (' and a train/val leak'
                    if other.split != first.split else '')
            problems.append(
                Problem(
                    VIDEO_IN_TWO_CLASSES, osp.join(rawframes, other.name),
                    f'{other.name} ({other.split}, {other.json_path}) is '
                    f'also listed as {first.name} ({first.split}, '
                    f'{first.json_path}): a label conflict{leak}'))
    return problems


def _pixel_problems(disk: _DiskVideo, sizes: Dict[str, Tuple[int, int]],
                    hashes: Dict[bytes, set]) -> List[Problem]:
    """Decode every frame of a video: unreadable frames, a size that
    differs from the JSON, the input checks; add the hash of each non-blank
    frame to ``hashes`` (hash -> names of the videos that hold it)."""
    problems, mismatch = [], None
    decoded = blank = high_bit = peak = 0
    shape = None
    for frame in disk.frames:
        path = osp.join(disk.path, disk.tmpl.format(frame))
        if os.stat(path).st_size == 0:
            continue  # reported by the cheap check
        try:
            img = to_rgb(decode_image(path), path)
        except (ValueError, OSError) as err:
            problems.append(Problem(UNREADABLE_FILE, path, str(err)))
            continue
        decoded += 1
        shape = shape or img.shape[:2]
        if (mismatch is None and disk.name in sizes
                and img.shape[:2] != sizes[disk.name]):
            h, w = sizes[disk.name]
            mismatch = Problem(
                SIZE_MISMATCH, path,
                f'decoded {img.shape[1]}x{img.shape[0]}, JSON says {w}x{h}')
        if img.dtype == np.uint16:
            high_bit += 1
            peak = max(peak, int(img.max()))
            img8 = scale_to_uint8(img, significant_bits(int(img.max())))
        else:
            img8 = img
        if INPUT_SANITY.is_blank(img8):
            blank += 1
            continue
        digest = hashlib.blake2b(
            f'{img.shape}{img.dtype}'.encode() + img.tobytes(),
            digest_size=16).digest()
        hashes[digest].add(disk.name)
    if mismatch is not None:
        problems.append(mismatch)
    if not decoded:
        return problems
    if high_bit:
        problems.append(
            Problem(
                HIGH_BIT_DEPTH, disk.path,
                f'{high_bit} 16-bit frame(s), values up to {peak} '
                f'({significant_bits(peak)} bits): MMAction2\'s '
                'RawFrameDecode keeps only their high byte (0 to '
                f'{peak >> 8} of 255); store the frames as 8-bit PNGs'))
    problems += [
        p for p in (INPUT_SANITY.size_problem(disk.path, shape),
                    INPUT_SANITY.blank_problem(disk.path, blank, decoded))
        if p is not None
    ]
    return problems


def _shared_frame_problems(hashes: Dict[bytes, set],
                           disk_videos: Dict[str, _DiskVideo],
                           json_videos: Dict[str, _JsonVideo]
                           ) -> List[Problem]:
    """One problem per pair of videos that hold pixel-identical frames,
    with the number of (distinct) frames they share."""
    shared = Counter()
    for names in hashes.values():
        shared.update(combinations(sorted(names), 2))

    def where(name):
        video = json_videos.get(name)
        return (f'{name.split("/")[0]}, '
                f'{"in no JSON" if video is None else video.split}')

    problems = []
    for (first, second), count in sorted(shared.items()):
        what = []
        if first.split('/')[0] != second.split('/')[0]:
            what.append('a label conflict')
        splits = {getattr(json_videos.get(n), 'split', None)
                  for n in (first, second)}
        if len(splits) > 1:
            what.append('a train/val leak')
        problems.append(
            Problem(
                SHARED_FRAMES, disk_videos[first].path,
                f'shares {count} pixel-identical frame(s) with '
                f'{disk_videos[second].path} ({where(first)} vs '
                f'{where(second)}' +
                (f': {" and ".join(what)})' if what else ': a duplicate)')))
    return problems


def index_busv_root(root: str, deep: bool = False) -> BUSVIndex:
    """Index a BUSV root and check it.

    Args:
        root (str): Folder holding ``rawframes/`` and the CocoVID JSONs
            (at the root or under ``annotations/``, see
            :data:`~.layout.BUSV_ANNOTATION_FILES`).
        deep (bool): Also decode every frame: sizes against the JSON, the
            input checks, frames shared by two videos. Slow. Defaults to
            False.

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
        target = broken_symlink_target(rawframes)
        what = ('not found' if target is None else
                f'is a broken symbolic link to {target}')
        raise FileNotFoundError(
            f'BUSV frame folder {rawframes} {what} (expected '
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
    problems.extend(_two_class_problems(json_videos, rawframes))

    disk_videos, disk_problems, disk_warnings = _scan_rawframes(rawframes)
    problems.extend(disk_problems)
    index.warnings.extend(disk_warnings)

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
            continue  # reported by the scan (empty, broken link, ...)
        on_disk = set(disk.frames)
        listed_as = sorted(video.extensions)
        if listed_as != [disk.extension]:
            problems.append(
                Problem(
                    MISSING_FRAME, frame_dir,
                    f'{video.json_path} lists its frames as '
                    f'{"/".join("." + e for e in listed_as)} files; the '
                    f'folder holds .{disk.extension} files'))
        for frame in sorted(set(video.frames) - on_disk):
            problems.append(
                Problem(
                    MISSING_FRAME,
                    osp.join(frame_dir, disk.tmpl.format(frame)),
                    f'listed in {video.json_path} as image id '
                    f'{video.frames[frame]}'))
        extra = sorted(on_disk - set(video.frames))
        if extra:
            problems.append(
                Problem(
                    FRAMES_NOT_IN_JSON,
                    osp.join(frame_dir, disk.tmpl.format(extra[0])),
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
                json_path=video.json_path,
                lesion_areas=[
                    video.lesion_areas.get(frame, 0.)
                    for frame in disk.frames
                ],
                filename_tmpl=disk.tmpl))

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
                    osp.join(disk.path, disk.tmpl.format(holes[0])),
                    f'frame numbering of {disk.path} has {len(holes)} '
                    f'hole(s) between 000000 and '
                    f'{disk.tmpl.format(disk.frames[-1])}'))

    if deep:
        sizes = {v.name: (v.height, v.width) for v in index.videos}
        hashes: Dict[bytes, set] = defaultdict(set)
        for disk in disk_videos.values():
            problems.extend(_pixel_problems(disk, sizes, hashes))
        problems.extend(
            _shared_frame_problems(hashes, disk_videos, json_videos))

    index.videos.sort(key=lambda v: (BUSV_SPLITS.index(v.split), v.name))
    return index
