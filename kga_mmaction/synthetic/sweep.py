"""Videos: the probe sweeps across the lesion.

Only the frames near the lesion's center show the diagnostic cross-section;
the others are small, partial, motion-blurred or shaped halfway between the
classes (:func:`sweep_schedule`, :func:`frame_malignancy`). How rare the
diagnostic frames are follows from the difficulty, or is set directly by a
keyframe fraction (:func:`keyframe_clarity`).
"""
from typing import Dict, List, Optional, Tuple

import numpy as np

from .bmode import (apply_lesion, complex_speckle, lesion_noise,
                    render_bmode, sample_display, scan_geometry,
                    tissue_echogenicity)
from .lesion import (LesionPlacement, class_malignancy, lesion_fields,
                     sample_lesion_shape)


def keyframe_clarity(s: np.ndarray, fraction: float,
                     tau: float = 0.05) -> np.ndarray:
    """Clarity of a sweep's frames when a set share of them is diagnostic.

    With ``a = |s|`` and ``k = max(1, round(fraction * N))`` of the ``N``
    frames, ``q`` is the k-th smallest ``a`` (the ``fraction``-quantile of
    ``|s|``) and ``g`` the gap from it to the next larger one (infinite
    when there is none). Then

        clarity = 1                                   for a <= q,
        clarity = exp(-((a - q) / min(tau, g))^2)     for a > q,

    so the ``k`` frames nearest the lesion's center are fully clear and
    clarity falls below ``exp(-1) < 0.5`` by the next frame: exactly ``k``
    frames (``fraction`` of them up to rounding; frames tied with the k-th
    in ``|s|``, which have probability zero, are clear too) have clarity
    >= 0.5, and ``fraction = 1`` makes every frame clear.

    Args:
        s (np.ndarray): ``[N]`` elevational probe positions (0 = center).
        fraction (float): Share of diagnostic frames, in ``(0, 1]``.
        tau (float): Width in ``s`` of the decay outside the diagnostic
            frames (about a tenth of the way to the lesion's edge at
            ``|s| = 1``). Defaults to 0.05.

    Returns:
        np.ndarray: ``[N]`` clarity in ``[0, 1]``.
    """
    if not 0. < fraction <= 1.:
        raise ValueError(
            f'keyframe_fraction must be in (0, 1], got {fraction}')
    a = np.abs(np.asarray(s, dtype=np.float64))
    n = a.size
    k = min(max(1, int(round(fraction * n))), n)
    ranked = np.sort(a)
    q = ranked[k - 1]
    above = ranked[ranked > q]
    width = min(tau, above[0] - q) if above.size else tau
    excess = np.maximum(a - q, 0.) / max(width, 1e-12)
    return np.exp(-excess**2)


def sweep_schedule(rng: np.random.Generator, num_frames: int,
                   difficulty: float,
                   keyframe_fraction: Optional[float] = None
                   ) -> Dict[str, np.ndarray]:
    """Per-frame probe position and image quality of one sweep.

    The elevational position ``s`` runs from one side of the lesion
    (``|s| >= 0.8``, small or absent cross-section) through its center
    (``s = 0``, the diagnostic cross-section) to the other side, with the
    crossing at a random time. ``clarity = exp(-(s / sigma)^2)`` with
    ``sigma = 0.12 + 0.28 * (1 - difficulty)``, so only a minority of
    frames are clear (about 37 % at difficulty 0, 11 % at difficulty 1).
    With ``keyframe_fraction`` the clarity is :func:`keyframe_clarity`
    instead: that share of the frames is clear whatever the difficulty.
    Motion blur is common away from the center and rarer on clear frames.
    The random draws do not depend on ``keyframe_fraction``.

    Args:
        rng (numpy.random.Generator): The video's random stream.
        num_frames (int): Number of frames.
        difficulty (float): Ambiguity in [0, 1].
        keyframe_fraction (float, optional): Share of diagnostic frames in
            ``(0, 1]``; None lets the difficulty set it. Defaults to None.

    Returns:
        dict[str, np.ndarray]: ``s``, ``section`` (cross-section radius
        relative to the largest, 0 when the plane misses the lesion),
        ``clarity``, ``blur`` (pixels at 128 px), ``defocus`` (pixels at
        128 px), each of length ``num_frames``.
    """
    t = np.linspace(0., 1., num_frames)
    start = -rng.uniform(0.8, 1.05)
    end = rng.uniform(0.8, 1.05)
    # uneven probe speed: the crossing happens at a random time
    warp = t + rng.uniform(-0.12, 0.12) * np.sin(np.pi * t)
    s = start + (end - start) * warp
    s = s + rng.uniform(0., 0.04) * np.sin(2 * np.pi * rng.uniform(1, 3) * t +
                                           rng.uniform(0, 2 * np.pi))
    if rng.random() < 0.5:
        s = -s
    if keyframe_fraction is None:
        sigma = 0.12 + 0.28 * (1. - difficulty)
        clarity = np.exp(-(s / sigma)**2)
    else:
        clarity = keyframe_clarity(s, keyframe_fraction)
    section = np.sqrt(np.clip(1. - s * s, 0., 1.))
    p_blur = (0.25 + 0.5 * difficulty) * (1. - 0.8 * clarity)
    blurred = rng.random(num_frames) < p_blur
    blur = np.where(blurred, rng.uniform(3., 3. + 6. * (0.5 + difficulty),
                                         num_frames), 0.)
    defocus = np.where(rng.random(num_frames) < 0.3 * (1. - clarity),
                       rng.uniform(0.5, 1.5, num_frames), 0.)
    return dict(s=s, section=section, clarity=clarity, blur=blur,
                defocus=defocus)


def frame_malignancy(m_video: float, clarity: np.ndarray) -> np.ndarray:
    """Apparent malignancy of each frame's outline.

    Off-center cross-sections lose the class-typical features: their shape
    is pulled towards the ambiguous ``m = 0.5`` as clarity drops.
    """
    return 0.5 + (m_video - 0.5) * np.sqrt(np.clip(clarity, 0., 1.))


def bbox_from_mask(mask: np.ndarray) -> Optional[List[int]]:
    """``[x, y, w, h]`` of a boolean mask, or None when empty."""
    ys, xs = np.nonzero(mask)
    if xs.size == 0:
        return None
    x0, y0 = int(xs.min()), int(ys.min())
    return [x0, y0, int(xs.max()) - x0 + 1, int(ys.max()) - y0 + 1]


def render_video(rng: np.random.Generator, label: int, num_frames: int,
                 hw: Tuple[int, int], difficulty: float,
                 keyframe_fraction: Optional[float] = None
                 ) -> Tuple[List[np.ndarray], List[Optional[List[int]]],
                            Dict[str, object]]:
    """Render one sweep video.

    Args:
        rng (numpy.random.Generator): The video's random stream.
        label (int): 0 benign, 1 malignant.
        num_frames (int): Number of frames.
        hw (tuple[int, int]): Frame ``(H, W)``.
        difficulty (float): Ambiguity in [0, 1].
        keyframe_fraction (float, optional): Share of diagnostic frames
            (:func:`sweep_schedule`). Defaults to None.

    Returns:
        tuple: ``frames`` (list of ``[H, W]`` uint8), ``bboxes`` (``[x, y,
        w, h]`` of the visible lesion per frame or None) and ``info`` (the
        per-frame ground truth: clarity, malignancy, ...).
    """
    h, w = hw
    scale = min(h, w) / 128.
    geometry = scan_geometry(rng, hw)
    display = sample_display(rng)
    shape = sample_lesion_shape(rng)
    m_video = class_malignancy(rng, label, difficulty)
    sched = sweep_schedule(rng, num_frames, difficulty, keyframe_fraction)
    m_frames = frame_malignancy(m_video, sched['clarity'])
    # tissue is wider than the frame: the probe slides over it
    margin = int(np.ceil(0.2 * w))
    tissue = tissue_echogenicity(rng, (h, w + 2 * margin))
    drift = rng.uniform(-0.12, 0.12) * w  # lateral tissue motion, full sweep
    radius = rng.uniform(0.13, 0.19) * min(h, w)
    cx0 = rng.uniform(0.4, 0.6) * w
    cy = rng.uniform(0.4, 0.52) * h
    psf = (rng.uniform(1.1, 1.5) * scale, rng.uniform(0.55, 0.75) * scale)
    rho = rng.uniform(0.55, 0.8)  # speckle correlation between frames
    blur_angle = rng.normal(0., 0.15)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    speckle = complex_speckle(rng, hw, psf)
    # the lesion's interior texture and specks persist over the sweep, in
    # tissue coordinates like the tissue itself (only the speckle changes)
    interior = lesion_noise(rng, tissue.shape, scale)

    frames, bboxes = [], []
    for i in range(num_frames):
        s = float(sched['s'][i])
        shift = int(round(s * drift))
        echo = tissue[:, margin + shift:margin + shift + w]
        placement = LesionPlacement(shape, float(m_frames[i]),
                                    cx0 - s * drift, cy,
                                    radius * float(sched['section'][i]))
        sd, mask = lesion_fields(placement, xx, yy)
        if placement.radius > 0:
            echo = apply_lesion(echo, sd, placement.m, scale,
                                interior.columns(margin + shift, w))
        if i > 0:  # partial speckle decorrelation (elevational motion)
            speckle = (rho * speckle + np.sqrt(1 - rho * rho) *
                       complex_speckle(rng, hw, psf)).astype(np.complex64)
        frames.append(
            render_bmode(echo, speckle, geometry, display,
                         blur_length=float(sched['blur'][i]) * scale,
                         blur_angle=blur_angle,
                         defocus=float(sched['defocus'][i]) * scale))
        visible = mask & (geometry.fov > 0.5)
        bboxes.append(bbox_from_mask(visible) if visible.sum() >= 3 else None)
    info = dict(malignancy=round(m_video, 4), fov=geometry.kind,
                clarity=[round(float(c), 4) for c in sched['clarity']],
                frame_malignancy=[round(float(v), 4) for v in m_frames],
                blur=[round(float(v), 2) for v in sched['blur']])
    return frames, bboxes, info
