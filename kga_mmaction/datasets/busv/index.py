"""Index and check a BUSV root (layout: :mod:`.layout`).

:func:`index_busv_root` pairs the videos of the CocoVID JSONs with the frame
folders on disk and records every inconsistency as a
:class:`~kga_mmaction.datasets.problems.Problem`; nothing inside the tree is
raised, the caller decides (:class:`~kga_mmaction.datasets.BUSVDataset`
raises, ``tools/data/check_dataset.py`` reports).

Cheap checks (directory listings and file sizes, no decoding): the
``rawframes/`` folder and both CocoVID JSONs exist; every class folder is
``benign`` or ``malignant``; every ``file_name`` in the JSONs is
``<benign|malignant>/<video_id>/NNNNNN.png`` (or ``.jpg``, see
:mod:`.layout`); every annotation has an
``image_id`` of a listed frame and an ``[x, y, w, h]`` ``bbox`` (the lesion
area of each frame is read from them, see :mod:`.lesion_areas`); no video
is in both JSONs;
every frame a JSON lists exists and is not empty; every video folder holds
frames, numbered ``000000`` upward without gaps, each listed in a JSON;
every video folder is in a JSON (a folder that is not is a warning); one
frame format per video folder, the one its JSON names; one frame size per
video in the JSON.

Deep checks (``deep=True``, slow: decodes every frame): every frame decodes;
frame sizes equal the JSON's ``height``/``width``.
"""
import json
import os
import os.path as osp
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

from ..frame_folder import frame_entries, visible_entries
from ..problems import (BAD_JSON_ENTRY, EMPTY_VIDEO, FRAME_GAP,
                        FRAMES_NOT_IN_JSON, JSON_ENTRY_WITHOUT_FILES,
                        MISSING_FRAME, MIXED_FRAME_NAMES, SIZE_MISMATCH,
                        UNKNOWN_LABEL,
                        UNREADABLE_FILE, VIDEO_IN_BOTH_SPLITS,
                        VIDEO_NOT_IN_JSON, Problem)
from ..transforms.loading import read_rgb_image
from .layout import (BUSV_CLASSES, BUSV_FRAME_RE, BUSV_FRAME_TMPL,
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
    extensions: Counter = field(default_factory=Counter)  # 'png' -> count
    lesion_areas: Dict[int, float] = field(
        default_factory=dict)  # frame -> area, frames with a box only


def _load_busv_json(json_path: str,
                    split: str) -> Tuple[Dict[str, _JsonVideo], List[Problem]]:
    """Group the ``images`` of a CocoVID JSON by video folder, with the
    lesion area of the frames that have a box in its ``annotations``."""
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
    frame_of_image: Dict[object, Tuple[_JsonVideo, int]] = {}
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
        name = f'{class_name}/{video_id}'
        video = videos.setdefault(name, _JsonVideo(name, split, json_path))
        video.frames[int(match.group(1))] = record.get('id')
        video.sizes[(height, width)] += 1
        video.extensions[match.group(2)] += 1
        frame_of_image[record.get('id')] = (video, int(match.group(1)))
    areas, area_problems = lesion_areas_by_image(
        data.get('annotations', []), json_path)
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
    frames: List[int]
    other_files: int
    extension: str = 'png'  # of its frames

    @property
    def tmpl(self) -> str:
        return busv_frame_tmpl(self.extension)


def _scan_rawframes(
        rawframes: str) -> Tuple[Dict[str, _DiskVideo], List[Problem]]:
    """List the video folders and frames under ``rawframes/``."""
    videos: Dict[str, _DiskVideo] = {}
    problems = []
    for class_entry in visible_entries(rawframes):
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
            if not video_entry.is_dir():
                continue
            frames, extensions = [], Counter()
            frame_files, other_files = frame_entries(video_entry.path)
            for frame_entry in frame_files:
                match = BUSV_FRAME_RE.match(frame_entry.name)
                if match is None:  # a frame, but not named as released
                    other_files += 1
                    continue
                frames.append(int(match.group(1)))
                extensions[match.group(2)] += 1
                if frame_entry.stat().st_size == 0:
                    problems.append(
                        Problem(UNREADABLE_FILE, frame_entry.path,
                                'empty file (0 bytes)'))
            name = f'{class_entry.name}/{video_entry.name}'
            extension = (extensions.most_common(1)[0][0] if extensions else
                         'png')
            videos[name] = _DiskVideo(name, video_entry.path,
                                      sorted(set(frames)), other_files,
                                      extension)
            if len(extensions) > 1:  # e.g. a conversion stopped halfway
                problems.append(
                    Problem(
                        MIXED_FRAME_NAMES, video_entry.path,
                        'frames of several formats: ' + ', '.join(
                            f'{n} .{ext}'
                            for ext, n in extensions.most_common())))
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
            :data:`~.layout.BUSV_ANNOTATION_FILES`).
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
        for name, disk in disk_videos.items():
            mismatch = None
            for frame in disk.frames:
                path = osp.join(disk.path, disk.tmpl.format(frame))
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
