"""A copy of a BUSV and/or BUSI root at the training resolution, as JPEG.

The paper's pipelines decode every sampled frame at its stored size (BUSV
frames are PNGs of about 600x800) and then shrink it to a shorter side of
256 (``Resize(scale=(-1, 256))``) before cropping 224. Decoding the PNG is
most of a dataloader worker's time. :func:`convert_root` writes, once, a
copy that the same configs read much faster: every frame and image resized
(``cv2.INTER_AREA``, never enlarged) so that its shorter side is
``short_side``, and re-encoded as JPEG (single-channel where the three
channels are equal, as in B-mode ultrasound). What the readers need comes
along, consistently:

* BUSV (layout: :mod:`.busv.layout`): the frames as
  ``rawframes/<class>/<video>/NNNNNN.jpg`` and both CocoVID JSONs at their
  relative paths, with each frame's ``file_name``, ``height`` and
  ``width``, each video's size, and each lesion ``bbox`` ``[x, y, w, h]``
  and ``area`` scaled by the video's factors (``lesion_areas`` thus scale
  by ``sx * sy`` within a video, which the keyframe metrics, ranks and
  correlations within a video, do not see);
* BUSI (layout: :mod:`.busi.layout`): every image as JPEG, its masks
  resized with nearest-neighbour to the image's new size and kept as PNG
  (lossless: a mask stays a mask).

The source is checked first by the datasets' own indexes
(:func:`~.busv.index.index_busv_root`, :func:`~.busi.index.index_busi_root`)
and refused, with the problems and their paths, if they would refuse it.
Frame folders in no JSON and files that are not images are left out, as
the readers leave them out. The output is written into a hidden sibling of
the target and renamed into place when complete
(:func:`~kga_mmaction.utils.atomic_directory`), with
:data:`CONVERSION_META` (source, settings, counts) as its marker.
"""
import json
import multiprocessing
import os
import os.path as osp
import time
from typing import Dict, Iterable, List, Optional, Tuple

import cv2
import numpy as np

from ..utils import atomic_directory
from .busi.index import index_busi_root
from .busi.layout import BUSI_CLASSES, BUSI_FOLDER
from .busv.index import index_busv_root
from .busv.layout import BUSV_FRAMES_FOLDER, BUSV_SPLITS, busv_frame_tmpl
from .problems import EMPTY_CLASS, raise_for_problems
from .transforms.loading import read_rgb_image

#: Marker and record of a converted root (what it came from, how).
CONVERSION_META = 'conversion_meta.json'
#: Folder of a BUSV root inside a root holding both datasets (as the
#: synthetic data and ``data/`` of the paper configs are laid out).
BUSV_SUBFOLDER = 'busv'
#: Output formats: file extension -> OpenCV quality flag (None: lossless).
FORMATS = {'jpg': cv2.IMWRITE_JPEG_QUALITY, 'png': None}


def scaled_size(height: int, width: int, short_side: int) -> Tuple[int, int]:
    """``(H, W)`` with the shorter side ``short_side``, the aspect ratio
    kept (rounded); never larger than ``(height, width)``."""
    short = min(height, width)
    if short <= short_side:
        return height, width
    scale = short_side / short
    return (max(1, int(round(height * scale))),
            max(1, int(round(width * scale))))


def write_image(path: str, rgb: np.ndarray, fmt: str, quality: int) -> None:
    """Write an RGB uint8 image as ``fmt``; single-channel where its three
    channels are equal.

    Raises:
        OSError: OpenCV could not write ``path``.
    """
    if (rgb[..., 0] == rgb[..., 1]).all() and (
            rgb[..., 1] == rgb[..., 2]).all():
        img = rgb[..., 0]
    else:
        img = np.ascontiguousarray(rgb[..., ::-1])  # RGB -> BGR
    flag = FORMATS[fmt]
    params = [] if flag is None else [flag, quality]
    if not cv2.imwrite(path, img, params):
        raise OSError(f'could not write {path}')


def convert_image(src: str, dst: str, size: Optional[Tuple[int, int]],
                  short_side: int, fmt: str, quality: int) -> Tuple[int, int]:
    """Decode ``src`` as the loaders do (:func:`read_rgb_image`), resize it
    and write it to ``dst``.

    Args:
        src (str): Source image.
        dst (str): Output file.
        size (tuple[int, int], optional): ``(H, W)`` the source must have
            (a BUSV frame: its JSON's); None to accept any.
        short_side (int): Shorter side of the output.
        fmt (str): A key of :data:`FORMATS`.
        quality (int): JPEG quality.

    Returns:
        tuple[int, int]: The output's ``(H, W)``.

    Raises:
        ValueError: ``src`` cannot be decoded, or is not ``size``; the
            message names ``src``.
    """
    rgb = read_rgb_image(src)
    height, width = rgb.shape[:2]
    if size is not None and (height, width) != tuple(size):
        raise ValueError(f'{src}: decoded {width}x{height}, the JSON says '
                         f'{size[1]}x{size[0]}; its boxes would not match')
    new_h, new_w = scaled_size(height, width, short_side)
    if (new_h, new_w) != (height, width):
        rgb = cv2.resize(rgb, (new_w, new_h), interpolation=cv2.INTER_AREA)
    write_image(dst, rgb, fmt, quality)
    return new_h, new_w


def convert_mask(src: str, dst: str, size: Tuple[int, int]) -> None:
    """Resize a mask to ``size`` ``(H, W)`` (nearest neighbour, values
    kept) and write it as PNG.

    Raises:
        ValueError: ``src`` cannot be decoded; the message names it.
    """
    mask = cv2.imread(src, cv2.IMREAD_UNCHANGED)
    if mask is None:
        raise ValueError(f'cannot decode mask {src}')
    if mask.shape[:2] != tuple(size):
        mask = cv2.resize(mask, (size[1], size[0]),
                          interpolation=cv2.INTER_NEAREST)
    if not cv2.imwrite(dst, mask):
        raise OSError(f'could not write {dst}')


def _convert_video(task: tuple) -> int:
    """One BUSV video (a :func:`multiprocessing` task): its frames."""
    frame_dir, out_dir, tmpl, out_tmpl, total, size, short, fmt, q = task
    os.makedirs(out_dir, exist_ok=True)
    for frame in range(total):
        convert_image(osp.join(frame_dir, tmpl.format(frame)),
                      osp.join(out_dir, out_tmpl.format(frame)), size, short,
                      fmt, q)
    return total


def _convert_busi_image(task: tuple) -> int:
    """One BUSI image and its masks (a :func:`multiprocessing` task)."""
    img_path, mask_paths, out_dir, short, fmt, q = task
    stem = osp.splitext(osp.basename(img_path))[0]
    size = convert_image(img_path, osp.join(out_dir, f'{stem}.{fmt}'), None,
                         short, fmt, q)
    for mask in mask_paths:
        convert_mask(mask, osp.join(out_dir, osp.basename(mask)), size)
    return 1


def _run(fn, tasks: List[tuple], jobs: int) -> int:
    """``sum(fn(task) for task in tasks)``, on ``jobs`` processes."""
    if jobs <= 1 or len(tasks) <= 1:
        return sum(fn(task) for task in tasks)
    with multiprocessing.Pool(min(jobs, len(tasks))) as pool:
        return sum(pool.imap_unordered(fn, tasks))


def scale_cocovid(data: dict, sizes: Dict[str, Tuple[int, int]],
                  fmt: str) -> dict:
    """A BUSV CocoVID JSON for the converted frames.

    Args:
        data (dict): The source JSON.
        sizes (dict): ``<class>/<video_id>`` -> new ``(H, W)``, for every
            video of ``data``.
        fmt (str): Frame file extension of the copy.

    Returns:
        dict: ``data`` with each image's ``file_name`` extension, ``height``
        and ``width``, each video's ``height``/``width`` (where present)
        and each annotation's ``bbox`` and ``area`` scaled by its video's
        factors ``new / old`` (``x``, ``w`` by the width's; ``y``, ``h``
        by the height's; negative widths stay negative).
    """
    data = json.loads(json.dumps(data))  # a deep copy
    factors = {}  # image id -> (sy, sx)
    for image in data['images']:
        name, frame = image['file_name'].rsplit('/', 1)
        new_h, new_w = sizes[name]
        factor = (new_h / image['height'], new_w / image['width'])
        factors[image.get('id')] = factor
        image.update(file_name=f'{name}/{osp.splitext(frame)[0]}.{fmt}',
                     height=new_h, width=new_w)
    for video in data.get('videos', []):
        name = video.get('name')
        if name in sizes and 'height' in video and 'width' in video:
            video.update(height=sizes[name][0], width=sizes[name][1])
    for ann in data.get('annotations', []):
        sy, sx = factors.get(ann.get('image_id'), (1., 1.))
        bbox = ann.get('bbox')
        if isinstance(bbox, list) and len(bbox) == 4:
            x, y, w, h = bbox
            ann['bbox'] = [x * sx, y * sy, w * sx, h * sy]
        if isinstance(ann.get('area'), (int, float)):
            ann['area'] = ann['area'] * sx * sy
    return data


def convert_busv(src: str, dst: str, short_side: int, fmt: str = 'jpg',
                 quality: int = 95, jobs: int = 1) -> dict:
    """Write the converted copy of the BUSV root ``src`` to ``dst``.

    Args:
        src (str): BUSV root (``rawframes/`` and the CocoVID JSONs).
        dst (str): Output root (created).
        short_side (int): Shorter side of every frame.
        fmt (str): A key of :data:`FORMATS`. Defaults to ``'jpg'``.
        quality (int): JPEG quality. Defaults to 95.
        jobs (int): Processes. Defaults to 1.

    Returns:
        dict: Videos and frames written.

    Raises:
        FileNotFoundError, ValueError: ``src`` has problems the dataset
            would refuse (listed with their paths), or a frame cannot be
            read; the message names the file.
    """
    index = index_busv_root(src)
    raise_for_problems(
        index.problems, f'BUSV root {index.root}',
        f'Run `python tools/data/check_dataset.py --busv {index.root}`.')
    out_tmpl = busv_frame_tmpl(fmt)
    sizes, tasks = {}, []
    for video in index.videos:
        sizes[video.name] = scaled_size(video.height, video.width, short_side)
        tasks.append((video.frame_dir,
                      osp.join(dst, BUSV_FRAMES_FOLDER, video.name),
                      video.filename_tmpl, out_tmpl, video.total_frames,
                      (video.height, video.width), short_side, fmt, quality))
    frames = _run(_convert_video, tasks, jobs)
    for split in BUSV_SPLITS:
        path = index.annotation_files[split]
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
        out = osp.join(dst, osp.relpath(path, index.root))
        os.makedirs(osp.dirname(out), exist_ok=True)
        with open(out, 'w', encoding='utf-8') as f:
            json.dump(scale_cocovid(data, sizes, fmt), f)
    return dict(videos=len(index.videos), frames=frames,
                videos_left_out=len(index.warnings))


def convert_busi(src: str, dst: str, short_side: int, fmt: str = 'jpg',
                 quality: int = 95, jobs: int = 1) -> dict:
    """Write the converted copy of the BUSI folder ``src`` to ``dst``
    (arguments and errors as :func:`convert_busv`).

    Returns:
        dict: Images written, per class.
    """
    index = index_busi_root(src)
    # an empty class folder (no normal images) is copied as it is
    raise_for_problems(
        [p for p in index.problems if p.kind != EMPTY_CLASS],
        f'BUSI root {index.root}',
        f'Run `python tools/data/check_dataset.py --busi {index.root}`.')
    for class_name in index.classes:
        os.makedirs(osp.join(dst, class_name), exist_ok=True)
    tasks = []
    for image in index.images:
        out_dir = osp.join(dst, image.class_name)
        tasks.append((image.img_path, image.mask_paths, out_dir, short_side,
                      fmt, quality))
    _run(_convert_busi_image, tasks, jobs)
    return {c: sum(1 for i in index.images if i.class_name == c)
            for c in index.classes}


def dataset_roots(src: str) -> List[Tuple[str, str]]:
    """What ``src`` holds: ``(kind, path relative to src)`` pairs.

    ``src`` is a BUSV root (``rawframes/``: ``[('busv', '.')]``), a BUSI
    folder (class folders: ``[('busi', '.')]``) or a folder holding
    ``busv/`` and/or ``Dataset_BUSI_with_GT/``.

    Raises:
        FileNotFoundError: ``src`` is none of these.
    """
    if osp.isdir(osp.join(src, BUSV_FRAMES_FOLDER)):
        return [('busv', '.')]
    if any(osp.isdir(osp.join(src, c)) for c in BUSI_CLASSES):
        return [('busi', '.')]
    found = [(kind, sub) for kind, sub in (('busv', BUSV_SUBFOLDER),
                                           ('busi', BUSI_FOLDER))
             if osp.isdir(osp.join(src, sub))]
    if not found:
        raise FileNotFoundError(
            f'{src} is neither a BUSV root (rawframes/), a BUSI folder '
            f'({"/".join(BUSI_CLASSES)}/) nor a folder holding '
            f'{BUSV_SUBFOLDER}/ or {BUSI_FOLDER}/')
    return found


def convert_root(src: str, dst: str, short_side: int = 256,
                 fmt: str = 'jpg', quality: int = 95, jobs: int = 1,
                 overwrite: bool = False,
                 kinds: Optional[Iterable[str]] = None) -> dict:
    """Write the converted copy of ``src`` (:func:`dataset_roots`) to
    ``dst``, atomically.

    Args:
        src (str): The source root.
        dst (str): The output root; must not exist or be empty, unless
            ``overwrite`` and it is an earlier output (it holds
            :data:`CONVERSION_META`).
        short_side (int): Shorter side of every frame and image. Defaults
            to 256 (the paper pipelines' first resize).
        fmt (str): A key of :data:`FORMATS`. Defaults to ``'jpg'``.
        quality (int): JPEG quality, 1-100. Defaults to 95.
        jobs (int): Processes. Defaults to 1.
        overwrite (bool): Replace an earlier output. Defaults to False.
        kinds (Iterable[str], optional): Convert only these of ``'busv'``
            and ``'busi'``. Defaults to None (all found).

    Returns:
        dict: The content of :data:`CONVERSION_META`.

    Raises:
        ValueError: A setting is out of range, or the source has problems
            (named with their paths).
        FileNotFoundError: ``src`` holds neither dataset.
        FileExistsError: ``dst`` may not be replaced.
    """
    if fmt not in FORMATS:
        raise ValueError(f'format must be one of {", ".join(FORMATS)}, got '
                         f'{fmt!r}')
    if short_side < 1:
        raise ValueError(f'short side must be >= 1, got {short_side}')
    if not 1 <= quality <= 100:
        raise ValueError(f'quality must be in [1, 100], got {quality}')
    src, dst = osp.abspath(src), osp.abspath(dst)
    if dst == src or dst.startswith(src + os.sep):
        raise ValueError(f'{dst} is inside the source {src}: the copy would '
                         'be indexed as part of it')
    roots = [(k, sub) for k, sub in dataset_roots(src)
             if kinds is None or k in kinds]
    if not roots:
        raise FileNotFoundError(f'{src} holds none of {sorted(kinds)}')
    convert = dict(busv=convert_busv, busi=convert_busi)
    start = time.perf_counter()
    meta = dict(source=src, short_side=short_side, format=fmt,
                quality=quality if FORMATS[fmt] is not None else None,
                interpolation='INTER_AREA (masks: INTER_NEAREST)')
    with atomic_directory(dst, overwrite, marker=CONVERSION_META,
                          overwrite_hint='--overwrite') as tmp:
        for kind, sub in roots:
            meta[kind] = convert[kind](
                osp.join(src, sub), osp.normpath(osp.join(tmp, sub)),
                short_side, fmt, quality, jobs)
        meta['seconds'] = round(time.perf_counter() - start, 1)
        with open(osp.join(tmp, CONVERSION_META), 'w') as f:
            json.dump(meta, f, indent=1)
    return meta
