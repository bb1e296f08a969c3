"""Writers: the synthetic BUSV and BUSI trees in the released layouts.

* :func:`make_synthetic_busv` writes ``<root>/rawframes/<class>/<video_id>/``
  frames and the two CocoVID JSONs (:mod:`.cocovid`);
* :func:`make_synthetic_busi` writes ``<root>/<class>/<class> (k).png`` with
  its ``_mask`` files;
* :func:`make_synthetic_datasets` writes both under one directory,
  atomically, with ``synthetic_meta.json``.

File and folder names, class names and splits are the readers' own
(:mod:`kga_mmaction.datasets.busv.layout`,
:mod:`kga_mmaction.datasets.busi.layout`), so what is written here is what
``BUSVDataset`` and ``BUSIDataset`` read.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from ..datasets.busi.layout import BUSI_CLASSES, BUSI_FOLDER
from ..datasets.busv.layout import (BUSV_ANNOTATION_FILES, BUSV_CLASSES,
                                    BUSV_FRAME_TMPL, BUSV_FRAMES_FOLDER,
                                    BUSV_SPLITS)
from ..utils import atomic_directory
from .cocovid import add_cocovid_video, empty_cocovid
from .keyframe import render_keyframe
from .sweep import render_video

#: Folder of the BUSV tree under :func:`make_synthetic_datasets`'s output.
BUSV_DIRNAME = 'busv'
#: Arguments and ground truth of an output; marks it as this generator's.
META_FILENAME = 'synthetic_meta.json'

# Seed domains, so that videos, images and splits never share a stream.
_DOMAIN_VIDEO, _DOMAIN_IMAGE, _DOMAIN_SPLIT, _DOMAIN_NORMAL = 1, 2, 3, 4
# Lossless PNG; a fixed level keeps files byte-identical for a seed.
_PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 3]


def item_rng(seed: int, domain: int, class_index: int,
             index: int) -> np.random.Generator:
    """Independent random stream of one generated item.

    Args:
        seed (int): Global seed.
        domain (int): What is generated (video, image, split, ...).
        class_index (int): 0 benign, 1 malignant, 2 normal.
        index (int): Index of the item within its class.

    Returns:
        numpy.random.Generator: A generator that depends only on the four
        integers, never on the order in which items are produced.
    """
    return np.random.default_rng([seed, domain, class_index, index])


def make_video_id(rng: np.random.Generator) -> str:
    """Hex-like video id as in BUSV: 15-16 hex digits, some with a leading x.

    Examples of real ids: ``x28f299ceb056964c``, ``2390fbea047347b``.
    """
    length = int(rng.integers(15, 17))
    digits = ''.join('0123456789abcdef'[d]
                     for d in rng.integers(0, 16, length))
    return ('x' + digits) if rng.random() < 0.4 else digits


def frame_size_choices(size: Tuple[int, int],
                       vary: bool = True) -> List[Tuple[int, int]]:
    """Frame sizes ``(H, W)`` a video may use, derived from a base size.

    Args:
        size (tuple[int, int]): Base ``(H, W)``.
        vary (bool): If False only the base size is returned. Otherwise a
            few non-square variants are added (as in BUSV, where the frame
            size differs between videos). Defaults to True.

    Returns:
        list[tuple[int, int]]: Even-sized ``(H, W)`` pairs.
    """
    h, w = size
    if not vary:
        return [(int(h), int(w))]

    def even(x: float) -> int:
        return max(2, int(round(x / 2.)) * 2)

    return [(even(h), even(w)), (even(h), even(w * 1.25)),
            (even(h * 1.125), even(w)), (even(h * 0.875), even(w * 1.125))]


def stratified_split(num_benign: int, num_malignant: int, val_fraction: float,
                     seed: int) -> Dict[str, List[int]]:
    """Indices of the validation videos of each class.

    ``round(n * val_fraction)`` videos per class go to validation, at least
    one when the class has two or more videos and ``val_fraction > 0``.

    Returns:
        dict[str, list[int]]: ``{'benign': [...], 'malignant': [...]}``,
        sorted indices into the class's videos.
    """
    if not 0. <= val_fraction < 1.:
        raise ValueError(f'val_fraction must be in [0, 1), got {val_fraction}')
    out = {}
    for cls_idx, (cls, n) in enumerate(
            zip(BUSV_CLASSES, (num_benign, num_malignant))):
        n_val = int(round(n * val_fraction))
        if val_fraction > 0 and n >= 2:
            n_val = min(max(n_val, 1), n - 1)
        perm = item_rng(seed, _DOMAIN_SPLIT, cls_idx, 0).permutation(n)
        out[cls] = sorted(int(i) for i in perm[:n_val])
    return out


def counts_from_fraction(per_class: int,
                         malignant_fraction: float) -> Tuple[int, int]:
    """Split ``2 * per_class`` items into ``(num_benign, num_malignant)``.

    ``malignant_fraction = 0.5`` gives ``per_class`` of each class.
    """
    if per_class < 0:
        raise ValueError(f'count per class must be >= 0, got {per_class}')
    if not 0. <= malignant_fraction <= 1.:
        raise ValueError('malignant_fraction must be in [0, 1], got '
                         f'{malignant_fraction}')
    total = 2 * per_class
    num_malignant = int(round(total * malignant_fraction))
    return total - num_malignant, num_malignant


def _imwrite(path: str, img: np.ndarray) -> None:
    if not cv2.imwrite(path, img, _PNG_PARAMS):
        raise OSError(f'could not write {path}')


def _progress(total: int, enabled: bool):
    if not enabled or total == 0:
        return None
    from mmengine.utils import ProgressBar
    return ProgressBar(total)


def make_synthetic_busv(root: str, num_benign: int = 24,
                        num_malignant: int = 24,
                        frames: Tuple[int, int] = (16, 40),
                        size: Tuple[int, int] = (128, 128),
                        vary_size: bool = True, difficulty: float = 0.5,
                        val_fraction: float = 0.2, seed: int = 0,
                        keyframe_fraction: Optional[float] = None,
                        progress: bool = True) -> Dict[str, object]:
    """Write a synthetic BUSV dataset (rawframes + CocoVID JSONs) to ``root``.

    Args:
        root (str): Dataset root (``rawframes/`` and the JSONs go here). It
            is created if needed; existing files are overwritten.
        num_benign (int): Benign videos. Defaults to 24.
        num_malignant (int): Malignant videos. Defaults to 24.
        frames (tuple[int, int]): Inclusive range of frames per video.
            Defaults to (16, 40).
        size (tuple[int, int]): Base frame ``(H, W)``. Defaults to (128, 128).
        vary_size (bool): Let videos use non-square variants of ``size``.
            Defaults to True.
        difficulty (float): Ambiguity in [0, 1]: how class-typical the
            lesions are and how few frames are clear. Defaults to 0.5.
        val_fraction (float): Fraction of each class's videos written to
            the validation JSON. Defaults to 0.2.
        seed (int): Random seed. Defaults to 0.
        keyframe_fraction (float, optional): Share of each video's frames
            that show the diagnostic cross-section, in ``(0, 1]``
            (:func:`~kga_mmaction.synthetic.sweep.keyframe_clarity`); None
            lets ``difficulty`` set it. Defaults to None.
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        dict: Summary: counts per split and class and per-video ground
        truth (``videos``: name, split, label, malignancy, clarity per
        frame, ...).
    """
    _check_common(size, difficulty)
    if keyframe_fraction is not None and not 0. < keyframe_fraction <= 1.:
        raise ValueError('keyframe_fraction must be in (0, 1], got '
                         f'{keyframe_fraction}')
    if num_benign < 0 or num_malignant < 0:
        raise ValueError('video counts must be >= 0, got '
                         f'{num_benign} benign, {num_malignant} malignant')
    lo, hi = int(frames[0]), int(frames[1])
    if not 1 <= lo <= hi:
        raise ValueError(f'frames must satisfy 1 <= MIN <= MAX, got {frames}')
    sizes = frame_size_choices(tuple(size), vary_size)
    val_ids = stratified_split(num_benign, num_malignant, val_fraction, seed)
    counts = (num_benign, num_malignant)
    bar = _progress(sum(counts), progress)

    splits = {split: empty_cocovid() for split in BUSV_SPLITS}
    meta_videos, used_ids = [], set()
    for label, cls in enumerate(BUSV_CLASSES):
        for idx in range(counts[label]):
            rng = item_rng(seed, _DOMAIN_VIDEO, label, idx)
            vid = make_video_id(rng)
            while vid in used_ids:  # never in practice; keeps ids unique
                vid = make_video_id(rng)
            used_ids.add(vid)
            num_frames = int(rng.integers(lo, hi + 1))
            hw = sizes[int(rng.integers(len(sizes)))]
            frames_, bboxes, info = render_video(rng, label, num_frames, hw,
                                                 difficulty, keyframe_fraction)
            vdir = osp.join(root, BUSV_FRAMES_FOLDER, cls, vid)
            os.makedirs(vdir, exist_ok=True)
            for i, frame in enumerate(frames_):
                # BUSV frames are 3-channel PNGs
                _imwrite(osp.join(vdir, BUSV_FRAME_TMPL.format(i)),
                         cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
            split = 'val' if idx in val_ids[cls] else 'train'
            add_cocovid_video(splits[split], f'{cls}/{vid}', label + 1, hw,
                              bboxes, flag_train=(split == 'train'))
            meta_videos.append(
                dict(name=f'{cls}/{vid}', split=split, label=cls,
                     num_frames=num_frames, height=hw[0], width=hw[1],
                     **info))
            if bar is not None:
                bar.update()
    if bar is not None:
        bar.file.write('\n')
    os.makedirs(root, exist_ok=True)
    for split in BUSV_SPLITS:
        # the released archive's names, at the root
        with open(osp.join(root, BUSV_ANNOTATION_FILES[split][0]), 'w') as f:
            json.dump(splits[split], f)
    summary = {
        split: {
            cls: sum(1 for v in meta_videos
                     if v['split'] == split and v['label'] == cls)
            for cls in BUSV_CLASSES
        }
        for split in BUSV_SPLITS
    }
    summary['frames'] = sum(v['num_frames'] for v in meta_videos)
    return dict(counts=summary, videos=meta_videos)


def make_synthetic_busi(root: str, num_benign: int = 60,
                        num_malignant: int = 60, num_normal: int = 6,
                        size: Tuple[int, int] = (128, 128),
                        difficulty: float = 0.5, seed: int = 0,
                        extra_mask_prob: float = 0.05,
                        grayscale_prob: float = 0.15,
                        progress: bool = True) -> Dict[str, object]:
    """Write a synthetic BUSI dataset (images + masks) to ``root``.

    Files are ``<root>/<cls>/<cls> (k).png`` with ``<cls> (k)_mask.png``
    (k from 1), plus ``<cls> (k)_mask_1.png`` for images with a second
    lesion. Normal images have an all-zero mask. Image sizes vary around
    ``size``; some images are saved grayscale, the rest RGB.

    Args:
        root (str): Dataset root (``Dataset_BUSI_with_GT``).
        num_benign (int): Benign images. Defaults to 60.
        num_malignant (int): Malignant images. Defaults to 60.
        num_normal (int): Normal images (no lesion). Defaults to 6.
        size (tuple[int, int]): Base ``(H, W)``. Defaults to (128, 128).
        difficulty (float): Ambiguity in [0, 1]. Defaults to 0.5.
        seed (int): Random seed. Defaults to 0.
        extra_mask_prob (float): Probability of a second lesion with its own
            ``_mask_1`` file. Defaults to 0.05.
        grayscale_prob (float): Probability of saving an image as 8-bit
            grayscale instead of RGB. Defaults to 0.15.
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        dict: ``counts`` per class and per-image ground truth (``images``).
    """
    _check_common(size, difficulty)
    counts = dict(zip(BUSI_CLASSES, (num_benign, num_malignant, num_normal)))
    for cls, n in counts.items():
        if n < 0:
            raise ValueError(f'num_{cls} must be >= 0, got {n}')
    bar = _progress(sum(counts.values()), progress)
    meta_images = []
    for cls_idx, (cls, n) in enumerate(counts.items()):
        label = cls_idx if cls in BUSV_CLASSES else None  # None: normal
        cdir = osp.join(root, cls)
        os.makedirs(cdir, exist_ok=True)
        domain = _DOMAIN_NORMAL if label is None else _DOMAIN_IMAGE
        for k in range(1, n + 1):
            rng = item_rng(seed, domain, cls_idx, k)
            hw = (int(round(size[0] * rng.uniform(0.85, 1.3))),
                  int(round(size[1] * rng.uniform(0.9, 1.6))))
            second = label is not None and rng.random() < extra_mask_prob
            gray = rng.random() < grayscale_prob
            image, masks, m = render_keyframe(rng, label, hw, difficulty,
                                              second)
            stem = osp.join(cdir, f'{cls} ({k})')
            _imwrite(stem + '.png', image if gray else cv2.cvtColor(
                image, cv2.COLOR_GRAY2BGR))
            if not masks:
                masks = [np.zeros(hw, dtype=bool)]
            for j, mask in enumerate(masks):
                suffix = '_mask' if j == 0 else f'_mask_{j}'
                _imwrite(stem + suffix + '.png', mask.astype(np.uint8) * 255)
            meta_images.append(
                dict(name=f'{cls}/{cls} ({k}).png', label=cls,
                     height=hw[0], width=hw[1],
                     mode='L' if gray else 'RGB', num_masks=len(masks),
                     malignancy=None if label is None else round(m, 4)))
            if bar is not None:
                bar.update()
    if bar is not None:
        bar.file.write('\n')
    return dict(counts=counts, images=meta_images)


def make_synthetic_datasets(out: str, overwrite: bool = False,
                            busv: Optional[dict] = None,
                            busi: Optional[dict] = None,
                            seed: int = 0, difficulty: float = 0.5,
                            keyframe_fraction: Optional[float] = None,
                            progress: bool = True) -> Dict[str, object]:
    """Write both datasets under ``out`` atomically.

    Generates into a hidden temporary sibling of ``out`` and renames it into
    place only when everything is written, so an interrupted run never
    leaves a partial dataset at ``out``. Layout::

        <out>/busv/...                    (make_synthetic_busv)
        <out>/Dataset_BUSI_with_GT/...    (make_synthetic_busi)
        <out>/synthetic_meta.json         (arguments and ground truth)

    Args:
        out (str): Target directory. Must not exist or be empty, unless
            ``overwrite`` is set and it holds an earlier output of this
            function (recognised by ``synthetic_meta.json``).
        overwrite (bool): Replace an earlier synthetic output.
        busv (dict, optional): Keyword arguments of ``make_synthetic_busv``
            (besides root, seed, difficulty, progress).
        busi (dict, optional): Keyword arguments of ``make_synthetic_busi``.
        seed (int): Random seed of both datasets. Defaults to 0.
        difficulty (float): Ambiguity of both datasets. Defaults to 0.5.
        keyframe_fraction (float, optional): Share of diagnostic frames per
            BUSV video (``make_synthetic_busv``); BUSI images are all
            diagnostic. Recorded in the meta, null when None. Defaults to
            None.
        progress (bool): Show progress bars. Defaults to True.

    Returns:
        dict: The content of ``synthetic_meta.json``.

    Raises:
        FileExistsError: ``out`` is non-empty and may not be replaced.
    """
    with atomic_directory(out, overwrite, marker=META_FILENAME,
                          overwrite_hint='overwrite (--overwrite)') as tmp:
        busv_summary = make_synthetic_busv(
            osp.join(tmp, BUSV_DIRNAME), seed=seed, difficulty=difficulty,
            keyframe_fraction=keyframe_fraction, progress=progress,
            **(busv or {}))
        busi_summary = make_synthetic_busi(
            osp.join(tmp, BUSI_FOLDER), seed=seed, difficulty=difficulty,
            progress=progress, **(busi or {}))
        meta = dict(generator=__package__, seed=seed,
                    difficulty=difficulty,
                    keyframe_fraction=keyframe_fraction,
                    busv_args=busv or {},
                    busi_args=busi or {}, busv=busv_summary,
                    busi=busi_summary)
        with open(osp.join(tmp, META_FILENAME), 'w') as f:
            json.dump(meta, f, indent=1)
    return meta


def _check_common(size: Sequence[int], difficulty: float) -> None:
    if len(size) != 2 or min(size) < 16:
        raise ValueError(f'size must be (H, W) with H, W >= 16, got {size}')
    if not 0. <= difficulty <= 1.:
        raise ValueError(f'difficulty must be in [0, 1], got {difficulty}')
