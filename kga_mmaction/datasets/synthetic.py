"""Synthetic BUSV videos and BUSI images in the released layouts.

Neither public dataset can be downloaded everywhere, so tests and the CPU
demo run on data generated here, written in exactly the layouts of
``/work/shared/notes/datasets.md``:

* BUSV (``make_synthetic_busv``)::

      <root>/rawframes/{benign,malignant}/<video_id>/000000.png ...
      <root>/imagenet_vid_train_15frames.json
      <root>/imagenet_vid_val.json

* BUSI (``make_synthetic_busi``)::

      <root>/{benign,malignant,normal}/<cls> (k).png, <cls> (k)_mask.png
      (and ``<cls> (k)_mask_1.png`` for images with a second lesion)

The content carries the premise of KGA-Net (Sun et al., MICCAI 2023,
section 1): B-mode-like speckled frames in which benign lesions are oval,
smooth, wider than tall and hypoechoic with slight posterior enhancement,
while malignant lesions are irregular (micro-lobulated, spiculated), taller
than wide, with an echogenic halo and posterior acoustic shadowing. Every
video sweeps the probe across its lesion, so only a minority of frames show
the diagnostic cross-section; the others are small, partial, motion-blurred
or shaped halfway between the classes. BUSI images are the clear keyframes.

Everything is drawn from ``numpy.random.default_rng`` seeded per item
(``[seed, domain, class, index]``), so the same seed gives byte-identical
files and a larger dataset extends a smaller one.
"""
import json
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from ..utils import atomic_directory

CLASSES = ('benign', 'malignant')
CATEGORIES = [{'id': 1, 'name': 'benign'}, {'id': 2, 'name': 'malignant'}]
BUSV_TRAIN_JSON = 'imagenet_vid_train_15frames.json'
BUSV_VAL_JSON = 'imagenet_vid_val.json'
BUSV_DIRNAME = 'busv'
BUSI_DIRNAME = 'Dataset_BUSI_with_GT'
META_FILENAME = 'synthetic_meta.json'
NUM_VID_TRAIN_FRAMES = 15

# Seed domains, so that videos, images and splits never share a stream.
_DOMAIN_VIDEO, _DOMAIN_IMAGE, _DOMAIN_SPLIT, _DOMAIN_NORMAL = 1, 2, 3, 4
# Lossless PNG; a fixed level keeps files byte-identical for a seed.
_PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 3]
_PROFILE_SAMPLES = 720


# ---------------------------------------------------------------------------
# Small pure helpers
# ---------------------------------------------------------------------------
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
    for cls_idx, (cls, n) in enumerate(zip(CLASSES,
                                           (num_benign, num_malignant))):
        n_val = int(round(n * val_fraction))
        if val_fraction > 0 and n >= 2:
            n_val = min(max(n_val, 1), n - 1)
        perm = item_rng(seed, _DOMAIN_SPLIT, cls_idx, 0).permutation(n)
        out[cls] = sorted(int(i) for i in perm[:n_val])
    return out


def vid_train_frame_ids(num_frames: int,
                        k: int = NUM_VID_TRAIN_FRAMES) -> List[int]:
    """``k`` evenly spaced frame ids (all frames if the video is shorter)."""
    if num_frames <= k:
        return list(range(num_frames))
    return [int(i) for i in np.round(np.linspace(0, num_frames - 1, k))]


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


def _smoothstep(lo: float, hi: float, x):
    t = np.clip((np.asarray(x, dtype=np.float64) - lo) / (hi - lo), 0., 1.)
    return t * t * (3. - 2. * t)


# ---------------------------------------------------------------------------
# Lesion shape
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class LesionShape:
    """Random but fixed parameters of one lesion's outline.

    The outline at malignancy ``m`` (0 = typical benign, 1 = typical
    malignant) is ``r(theta)`` in units of the equal-area radius, stretched
    to width/height ratio ``aspect(m)``. Keeping these parameters fixed over
    a video makes the lesion coherent from frame to frame while ``m`` (and
    so the class-typical features) changes with the cross-section.
    """
    aspect_benign: float
    aspect_malignant: float
    tilt: float
    macro_k: np.ndarray
    macro_amp: np.ndarray
    macro_phase: np.ndarray
    micro_k: np.ndarray
    micro_amp: np.ndarray
    micro_phase: np.ndarray
    spike_angle: np.ndarray
    spike_height: np.ndarray
    spike_width: np.ndarray

    def aspect(self, m: float) -> float:
        """Width/height ratio at malignancy ``m`` (log-linear in ``m``)."""
        m = float(np.clip(m, 0., 1.))
        return float(
            np.exp((1. - m) * np.log(self.aspect_benign) +
                   m * np.log(self.aspect_malignant)))


def sample_lesion_shape(rng: np.random.Generator) -> LesionShape:
    """Draw the outline parameters of one lesion (class independent)."""
    n_macro = 2
    n_micro = int(rng.integers(4, 7))
    n_spike = int(rng.integers(5, 11))
    return LesionShape(
        aspect_benign=float(rng.uniform(1.45, 1.9)),
        aspect_malignant=float(rng.uniform(0.6, 0.8)),
        tilt=float(rng.normal(0., 0.12)),
        macro_k=rng.integers(2, 4, n_macro).astype(np.float64),
        macro_amp=rng.uniform(0.01, 0.035, n_macro),
        macro_phase=rng.uniform(0., 2 * np.pi, n_macro),
        micro_k=rng.integers(5, 14, n_micro).astype(np.float64),
        micro_amp=rng.uniform(0.04, 0.08, n_micro),
        micro_phase=rng.uniform(0., 2 * np.pi, n_micro),
        spike_angle=np.sort(rng.uniform(0., 2 * np.pi, n_spike)),
        spike_height=rng.uniform(0.12, 0.4, n_spike),
        spike_width=rng.uniform(0.04, 0.09, n_spike),
    )


def radius_profile(shape: LesionShape, m: float,
                   theta: np.ndarray) -> np.ndarray:
    """Normalised outline radius ``r(theta)`` at malignancy ``m``.

    A benign outline (``m`` near 0) keeps only a gentle two/three-lobe
    undulation; irregularity (micro-lobulation and spicules) grows with
    ``smoothstep(0.2, 1, m)``.

    Args:
        shape (LesionShape): Outline parameters.
        m (float): Malignancy in [0, 1].
        theta (np.ndarray): Angles in radians, any shape.

    Returns:
        np.ndarray: Radii, same shape as ``theta``, at least 0.3.
    """
    irregular = float(_smoothstep(0.2, 1.0, m))
    t = theta[..., None]
    r = 1. + (shape.macro_amp * np.cos(shape.macro_k * t +
                                       shape.macro_phase)).sum(-1)
    if irregular > 0:
        micro = (shape.micro_amp *
                 np.cos(shape.micro_k * t + shape.micro_phase)).sum(-1)
        # wrapped angular distance to each spicule
        d = np.angle(np.exp(1j * (t - shape.spike_angle)))
        spikes = (shape.spike_height *
                  np.exp(-(d / shape.spike_width)**2)).sum(-1)
        r = r + irregular * (micro + spikes)
    return np.maximum(r, 0.3)


@dataclass(frozen=True)
class LesionPlacement:
    """One lesion as it appears in one frame."""
    shape: LesionShape
    m: float  # malignancy of the visible outline/appearance, [0, 1]
    cx: float  # center, pixels
    cy: float
    radius: float  # equal-area radius in pixels (0 = not in the plane)


def lesion_fields(placement: LesionPlacement, xx: np.ndarray,
                  yy: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Signed distance (pixels, > 0 inside) and hard mask of a lesion.

    The distance is the radial approximation ``(r(theta) - rho) * R`` in the
    lesion's own elliptical coordinates; vectorised over the pixel grid.
    """
    if placement.radius <= 0:
        sd = np.full(xx.shape, -1e3, dtype=np.float32)
        return sd, np.zeros(xx.shape, dtype=bool)
    shape = placement.shape
    aspect = shape.aspect(placement.m)
    a = placement.radius * np.sqrt(aspect)  # horizontal semi-axis
    b = placement.radius / np.sqrt(aspect)  # vertical semi-axis
    c, s = np.cos(shape.tilt), np.sin(shape.tilt)
    dx, dy = xx - placement.cx, yy - placement.cy
    u = (c * dx + s * dy) / a
    v = (-s * dx + c * dy) / b
    rho = np.sqrt(u * u + v * v)
    theta = np.arctan2(v, u)
    # r(theta) from a periodic lookup table: cheap for any image size
    grid = np.linspace(-np.pi, np.pi, _PROFILE_SAMPLES + 1)
    table = radius_profile(shape, placement.m, grid)
    r = np.interp(theta, grid, table)
    sd = ((r - rho) * placement.radius).astype(np.float32)
    return sd, sd > 0


# ---------------------------------------------------------------------------
# B-mode image formation
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ScanGeometry:
    """Field of view of one video or image."""
    kind: str  # 'sector' or 'linear'
    fov: np.ndarray  # [H, W] float32 in [0, 1]
    depth: np.ndarray  # [H, W] float32, 0 at the transducer, 1 at the bottom


def scan_geometry(rng: np.random.Generator, hw: Tuple[int, int],
                  sector_prob: float = 0.5,
                  margins: bool = True) -> ScanGeometry:
    """A fan/sector (curvilinear probe) or rectangular (linear) field.

    Args:
        rng (numpy.random.Generator): Random stream.
        hw (tuple[int, int]): Frame ``(H, W)``.
        sector_prob (float): Probability of a sector field.
        margins (bool): Leave black borders as on a scanner screen.
    """
    h, w = hw
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    top = (rng.uniform(0.03, 0.07) * h) if margins else 0.
    if rng.random() < sector_prob:
        half_angle = rng.uniform(0.45, 0.6)
        apex_y = top - rng.uniform(0.25, 0.45) * h
        r0 = top - apex_y
        r1 = h - 1 - apex_y - (rng.uniform(0.0, 0.04) * h if margins else 0.)
        dx, dy = xx - (w - 1) / 2., yy - apex_y
        radius = np.sqrt(dx * dx + dy * dy)
        angle = np.arctan2(dx, dy)
        # one-pixel soft edges avoid aliasing on the arcs and rays
        fov = (np.clip(radius - r0 + 0.5, 0, 1) *
               np.clip(r1 - radius + 0.5, 0, 1) *
               np.clip((half_angle - np.abs(angle)) * radius + 0.5, 0, 1))
        depth = np.clip((radius - r0) / max(r1 - r0, 1.), 0., 1.)
        return ScanGeometry('sector', fov.astype(np.float32),
                            depth.astype(np.float32))
    side = (rng.uniform(0.04, 0.1) * w) if margins else 0.
    fov = ((xx >= side) & (xx <= w - 1 - side) & (yy >= top)).astype(
        np.float32)
    depth = np.clip((yy - top) / max(h - top, 1.), 0., 1.)
    return ScanGeometry('linear', fov, depth.astype(np.float32))


def _blurred_noise(rng: np.random.Generator, hw: Tuple[int, int],
                   sigma_x: float, sigma_y: float) -> np.ndarray:
    """Unit-variance Gaussian noise smoothed with an anisotropic Gaussian."""
    n = rng.standard_normal(hw).astype(np.float32)
    n = cv2.GaussianBlur(n, (0, 0), sigmaX=max(sigma_x, 0.3),
                         sigmaY=max(sigma_y, 0.3),
                         borderType=cv2.BORDER_REFLECT)
    return n / max(float(n.std()), 1e-6)


def tissue_echogenicity(rng: np.random.Generator,
                        hw: Tuple[int, int]) -> np.ndarray:
    """Echogenicity (backscatter power) of layered breast tissue.

    Skin line, hypoechoic subcutaneous fat with lobules, echogenic
    fibroglandular tissue with horizontal streaks, pectoral muscle and the
    dark chest wall, separated by wavy boundaries.

    Returns:
        np.ndarray: ``[H, W]`` float32, about 1 in glandular tissue.
    """
    h, w = hw
    scale = min(h, w) / 128.
    x = np.arange(w, dtype=np.float32)[None, :] / w
    y = np.arange(h, dtype=np.float32)[:, None] / h

    def boundary(base: float, amp: float) -> np.ndarray:
        f = rng.uniform(0.5, 2.0, 2)
        p = rng.uniform(0, 2 * np.pi, 2)
        return base + amp * (np.sin(2 * np.pi * f[0] * x + p[0]) +
                             0.5 * np.sin(2 * np.pi * f[1] * x + p[1]))

    b_skin = boundary(rng.uniform(0.06, 0.09), 0.005)
    b_fat = boundary(rng.uniform(0.18, 0.28), 0.03)
    b_gland = boundary(rng.uniform(0.7, 0.8), 0.03)
    b_muscle = boundary(rng.uniform(0.86, 0.93), 0.015)
    soft = 1.5 / h

    def step(b):
        return 1. / (1. + np.exp(-(y - b) / soft))

    s_skin, s_fat, s_gland, s_muscle = (step(b_skin), step(b_fat),
                                        step(b_gland), step(b_muscle))
    fat_lobules = np.exp(0.45 * _blurred_noise(rng, hw, 4 * scale, 3 * scale))
    streaks = np.exp(0.5 * _blurred_noise(rng, hw, 8 * scale, 1.2 * scale))
    fibres = np.exp(0.4 * _blurred_noise(rng, hw, 10 * scale, 0.8 * scale))
    skin = 2.5
    fat = 0.3 * fat_lobules
    gland = rng.uniform(0.8, 1.2) * streaks
    muscle = 0.5 * fibres
    wall = 0.15
    e = (skin * (1 - s_skin) + fat * s_skin * (1 - s_fat) +
         gland * s_fat * (1 - s_gland) + muscle * s_gland * (1 - s_muscle) +
         wall * s_muscle)
    return e.astype(np.float32)


def apply_lesion(echo: np.ndarray, sd: np.ndarray, m: float,
                 scale: float, rng: np.random.Generator) -> np.ndarray:
    """Paint one lesion and its acoustic effects into an echogenicity map.

    * inside: hypoechoic (darker in malignant, more heterogeneous, with a
      few bright microcalcification-like specks);
    * margin: a thin bright capsule for benign, a thick echogenic halo and
      a blurred (ill-defined) edge for malignant;
    * posterior: enhancement for benign, acoustic shadowing for malignant.

    Args:
        echo (np.ndarray): ``[H, W]`` echogenicity, not modified.
        sd (np.ndarray): Signed distance to the outline in pixels (> 0 in).
        m (float): Malignancy in [0, 1].
        scale (float): Pixel scale, ``min(H, W) / 128``.
        rng (numpy.random.Generator): For internal texture.

    Returns:
        np.ndarray: The new ``[H, W]`` echogenicity.
    """
    hw = echo.shape
    edge = (0.6 + 1.6 * m) * scale
    cover = np.clip(sd / edge + 0.5, 0., 1.)  # [H, W] soft inside
    inner_level = 0.035 - 0.02 * m
    texture = np.exp((0.3 + 0.5 * m) *
                     _blurred_noise(rng, hw, 1.5 * scale, 1.5 * scale))
    specks = (rng.random(hw) < 0.01 * m).astype(np.float32) * 3.
    inside = inner_level * texture + specks * (sd > 2 * scale)
    out = echo * (1. - cover) + inside * cover
    # margin: capsule (thin, right on the outline) and halo (thick, outside)
    capsule = np.exp(-(sd / (0.8 * scale))**2)
    halo = np.exp(-((sd + 3. * scale) / (2.5 * scale))**2) * (sd < 0)
    out = out * (1. + 1.2 * (1. - m) * capsule + 1.2 * m * halo)
    # posterior column: everything below the lesion, column by column
    below = np.maximum.accumulate(cover, axis=0) - cover  # [H, W] in [0, 1]
    below = cv2.GaussianBlur(below, (0, 0), sigmaX=1.5 * scale, sigmaY=0.5)
    dist_below = np.cumsum(below, axis=0) / hw[0]  # fraction of the height
    enhance = 2.0 * (1. - m) * np.exp(-dist_below / 0.35)
    shadow = 0.9 * m * (1. - np.exp(-dist_below / 0.03))
    out = out * (1. + below * (enhance - shadow))
    return np.maximum(out, 0.).astype(np.float32)


def complex_speckle(rng: np.random.Generator, hw: Tuple[int, int],
                    psf_sigma: Tuple[float, float]) -> np.ndarray:
    """Circular complex Gaussian field blurred by the point spread function.

    Its magnitude is Rayleigh distributed with a grain the size of the PSF
    (wider laterally than axially, as in B-mode).

    Returns:
        np.ndarray: ``[H, W]`` complex64 with ``E|z|^2 = 1``.
    """
    sx, sy = psf_sigma
    parts = []
    for _ in range(2):
        n = rng.standard_normal(hw).astype(np.float32)
        parts.append(
            cv2.GaussianBlur(n, (0, 0), sigmaX=sx, sigmaY=sy,
                             borderType=cv2.BORDER_REFLECT))
    z = parts[0] + 1j * parts[1]
    return (z / np.sqrt(np.mean(np.abs(z)**2))).astype(np.complex64)


def log_compress(amplitude: np.ndarray, gain_db: float,
                 dynamic_range_db: float, gamma: float) -> np.ndarray:
    """Scanner display mapping: dB, dynamic-range window, gamma -> [0, 1]."""
    db = 20. * np.log10(amplitude + 1e-6)
    disp = np.clip((db - (gain_db - dynamic_range_db)) / dynamic_range_db, 0.,
                   1.)
    return (disp**gamma).astype(np.float32)


def motion_blur(img: np.ndarray, length: float, angle: float) -> np.ndarray:
    """Linear motion blur of ``length`` pixels along ``angle`` (radians)."""
    if length < 1.5:
        return img
    k = int(np.ceil(length)) | 1
    kernel = np.zeros((k, k), np.float32)
    c = k // 2
    half = (length - 1) / 2.
    dx, dy = np.cos(angle) * half, np.sin(angle) * half
    cv2.line(kernel, (int(round(c - dx)), int(round(c - dy))),
             (int(round(c + dx)), int(round(c + dy))), 1., 1, cv2.LINE_AA)
    kernel /= kernel.sum()
    return cv2.filter2D(img, -1, kernel, borderType=cv2.BORDER_REFLECT)


def draw_screen_marks(img: np.ndarray, geometry: ScanGeometry) -> np.ndarray:
    """Depth-scale ticks at the right edge of the field (as on a scanner)."""
    h, w = img.shape
    cols = np.nonzero(geometry.fov.max(axis=0) > 0.5)[0]
    if cols.size == 0:
        return img
    x = min(int(cols.max()) + 2, w - 2)
    out = img.copy()
    for y in np.linspace(0.15 * h, 0.9 * h, 5).astype(int):
        out[y:y + 1, x:x + 2] = 0.85
    return out


@dataclass(frozen=True)
class Display:
    """Per-video scanner settings."""
    gain_db: float
    dynamic_range_db: float
    gamma: float
    attenuation: float  # power attenuation over the full depth (nepers)
    tgc: float  # fraction of it compensated by time-gain compensation


def sample_display(rng: np.random.Generator) -> Display:
    """Draw scanner settings (class independent)."""
    att = float(rng.uniform(1.5, 3.0))
    return Display(gain_db=float(rng.uniform(9., 13.)),
                   dynamic_range_db=float(rng.uniform(42., 52.)),
                   gamma=float(rng.uniform(1.2, 1.6)), attenuation=att,
                   tgc=float(rng.uniform(0.4, 0.8)))


def render_bmode(echo: np.ndarray, speckle: np.ndarray,
                 geometry: ScanGeometry, display: Display,
                 blur_length: float = 0., blur_angle: float = 0.,
                 defocus: float = 0.) -> np.ndarray:
    """Turn echogenicity and speckle into a displayed B-mode frame.

    Args:
        echo (np.ndarray): ``[H, W]`` backscatter power.
        speckle (np.ndarray): ``[H, W]`` complex field with ``E|z|^2 = 1``.
        geometry (ScanGeometry): Field of view and depth map.
        display (Display): Scanner settings.
        blur_length (float): Motion blur in pixels (0 = sharp).
        blur_angle (float): Motion direction in radians.
        defocus (float): Gaussian blur sigma in pixels (0 = none).

    Returns:
        np.ndarray: ``[H, W]`` uint8 frame.
    """
    net = display.attenuation * (1. - display.tgc)
    power = echo * np.exp(-net * geometry.depth)
    amplitude = np.sqrt(power) * np.abs(speckle)
    disp = log_compress(amplitude, display.gain_db, display.dynamic_range_db,
                        display.gamma)
    disp = motion_blur(disp, blur_length, blur_angle)
    if defocus > 0.3:
        disp = cv2.GaussianBlur(disp, (0, 0), sigmaX=defocus,
                                borderType=cv2.BORDER_REFLECT)
    disp = disp * geometry.fov
    disp = draw_screen_marks(disp, geometry)
    return np.clip(np.round(disp * 255.), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------------------
# Videos: the probe sweeps across the lesion
# ---------------------------------------------------------------------------
def class_malignancy(rng: np.random.Generator, label: int,
                     difficulty: float, spread: float = 0.9) -> float:
    """Malignancy of a lesion's diagnostic cross-section.

    Typicality ``t = 1 - difficulty * U(0, spread)``; benign lesions get
    ``m = (1 - t) / 2`` (0 = textbook benign), malignant ``(1 + t) / 2``.
    With ``difficulty = 1`` some lesions sit close to the class boundary.
    """
    t = 1. - difficulty * rng.uniform(0., spread)
    return float(0.5 * (1. + t) if label == 1 else 0.5 * (1. - t))


def sweep_schedule(rng: np.random.Generator, num_frames: int,
                   difficulty: float) -> Dict[str, np.ndarray]:
    """Per-frame probe position and image quality of one sweep.

    The elevational position ``s`` runs from one side of the lesion
    (``|s| >= 0.8``, small or absent cross-section) through its center
    (``s = 0``, the diagnostic cross-section) to the other side, with the
    crossing at a random time. ``clarity = exp(-(s / sigma)^2)`` with
    ``sigma = 0.12 + 0.28 * (1 - difficulty)``, so only a minority of
    frames are clear (about 37 % at difficulty 0, 11 % at difficulty 1).
    Motion blur is common away from the center and rarer on clear frames.

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
    sigma = 0.12 + 0.28 * (1. - difficulty)
    clarity = np.exp(-(s / sigma)**2)
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
                 hw: Tuple[int, int], difficulty: float
                 ) -> Tuple[List[np.ndarray], List[Optional[List[int]]],
                            Dict[str, object]]:
    """Render one sweep video.

    Args:
        rng (numpy.random.Generator): The video's random stream.
        label (int): 0 benign, 1 malignant.
        num_frames (int): Number of frames.
        hw (tuple[int, int]): Frame ``(H, W)``.
        difficulty (float): Ambiguity in [0, 1].

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
    sched = sweep_schedule(rng, num_frames, difficulty)
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
            echo = apply_lesion(echo, sd, placement.m, scale, rng)
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


def render_keyframe(rng: np.random.Generator, label: Optional[int],
                    hw: Tuple[int, int], difficulty: float,
                    second_lesion: bool = False
                    ) -> Tuple[np.ndarray, List[np.ndarray], float]:
    """Render one clear keyframe (a BUSI image).

    Args:
        rng (numpy.random.Generator): The image's random stream.
        label (int | None): 0 benign, 1 malignant, None for a normal image.
        hw (tuple[int, int]): Image ``(H, W)``.
        difficulty (float): Ambiguity in [0, 1]; keyframes are half as
            ambiguous as videos at the same setting.
        second_lesion (bool): Add a smaller second lesion of the same class.

    Returns:
        tuple: ``image`` (``[H, W]`` uint8), ``masks`` (one bool mask per
        lesion) and the malignancy of the main lesion (nan for normal).
    """
    h, w = hw
    scale = min(h, w) / 128.
    geometry = scan_geometry(rng, hw, sector_prob=0.15,
                             margins=rng.random() < 0.3)
    display = sample_display(rng)
    echo = tissue_echogenicity(rng, hw)
    psf = (rng.uniform(1.1, 1.5) * scale, rng.uniform(0.55, 0.75) * scale)
    speckle = complex_speckle(rng, hw, psf)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    masks = []
    m = float('nan')
    if label is not None:
        m = class_malignancy(rng, label, 0.5 * difficulty)
        centers = [(rng.uniform(0.35, 0.65) * w, rng.uniform(0.38, 0.52) * h,
                    rng.uniform(0.14, 0.2) * min(h, w))]
        if second_lesion:
            side = 1. if centers[0][0] < w / 2 else -1.
            centers.append((centers[0][0] + side * rng.uniform(0.28, 0.33) * w,
                            rng.uniform(0.3, 0.45) * h,
                            rng.uniform(0.06, 0.09) * min(h, w)))
        for cx, cy, radius in centers:
            placement = LesionPlacement(sample_lesion_shape(rng), m, cx, cy,
                                        radius)
            sd, mask = lesion_fields(placement, xx, yy)
            echo = apply_lesion(echo, sd, m, scale, rng)
            masks.append(mask & (geometry.fov > 0.5))
    image = render_bmode(echo, speckle, geometry, display)
    return image, masks, m


# ---------------------------------------------------------------------------
# Shape measurements (used by tests and for sanity checks on real data)
# ---------------------------------------------------------------------------
def mask_shape_stats(mask: np.ndarray) -> Dict[str, float]:
    """Width/height ratio and boundary roughness of a lesion mask.

    Args:
        mask (np.ndarray): ``[H, W]`` mask, non-zero inside the lesion.

    Returns:
        dict[str, float]: ``width_height_ratio`` of the bounding box of the
        largest connected outline and ``roughness = perimeter^2 / area``
        (``4 * pi`` for a disc, larger for irregular outlines). Both are
        nan for an empty mask.
    """
    binary = (np.asarray(mask) > 0).astype(np.uint8)
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_NONE)
    if not contours:
        return dict(width_height_ratio=float('nan'),
                    roughness=float('nan'))
    contour = max(contours, key=cv2.contourArea)
    _, _, bw, bh = cv2.boundingRect(contour)
    area = max(float(cv2.contourArea(contour)), 1.)
    perimeter = float(cv2.arcLength(contour, True))
    return dict(width_height_ratio=bw / float(bh),
                roughness=perimeter * perimeter / area)


# ---------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------
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
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        dict: Summary: counts per split and class and per-video ground
        truth (``videos``: name, split, label, malignancy, clarity per
        frame, ...).
    """
    _check_common(size, difficulty)
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

    splits = {'train': _empty_cocovid(), 'val': _empty_cocovid()}
    meta_videos, used_ids = [], set()
    for label, cls in enumerate(CLASSES):
        for idx in range(counts[label]):
            rng = item_rng(seed, _DOMAIN_VIDEO, label, idx)
            vid = make_video_id(rng)
            while vid in used_ids:  # never in practice; keeps ids unique
                vid = make_video_id(rng)
            used_ids.add(vid)
            num_frames = int(rng.integers(lo, hi + 1))
            hw = sizes[int(rng.integers(len(sizes)))]
            frames_, bboxes, info = render_video(rng, label, num_frames, hw,
                                                 difficulty)
            vdir = osp.join(root, 'rawframes', cls, vid)
            os.makedirs(vdir, exist_ok=True)
            for i, frame in enumerate(frames_):
                # BUSV frames are 3-channel PNGs
                _imwrite(osp.join(vdir, f'{i:06d}.png'),
                         cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
            split = 'val' if idx in val_ids[cls] else 'train'
            _add_cocovid_video(splits[split], f'{cls}/{vid}', label + 1, hw,
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
    for split, fname in (('train', BUSV_TRAIN_JSON), ('val', BUSV_VAL_JSON)):
        with open(osp.join(root, fname), 'w') as f:
            json.dump(splits[split], f)
    summary = {
        split: {
            cls: sum(1 for v in meta_videos
                     if v['split'] == split and v['label'] == cls)
            for cls in CLASSES
        }
        for split in ('train', 'val')
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
    counts = {'benign': num_benign, 'malignant': num_malignant,
              'normal': num_normal}
    for cls, n in counts.items():
        if n < 0:
            raise ValueError(f'num_{cls} must be >= 0, got {n}')
    bar = _progress(sum(counts.values()), progress)
    meta_images = []
    for cls_idx, (cls, n) in enumerate(counts.items()):
        label = cls_idx if cls != 'normal' else None
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
            progress=progress, **(busv or {}))
        busi_summary = make_synthetic_busi(
            osp.join(tmp, BUSI_DIRNAME), seed=seed, difficulty=difficulty,
            progress=progress, **(busi or {}))
        meta = dict(generator='kga_mmaction.datasets.synthetic', seed=seed,
                    difficulty=difficulty, busv_args=busv or {},
                    busi_args=busi or {}, busv=busv_summary,
                    busi=busi_summary)
        with open(osp.join(tmp, META_FILENAME), 'w') as f:
            json.dump(meta, f, indent=1)
    return meta


# ---------------------------------------------------------------------------
# Internals
# ---------------------------------------------------------------------------
def _check_common(size: Sequence[int], difficulty: float) -> None:
    if len(size) != 2 or min(size) < 16:
        raise ValueError(f'size must be (H, W) with H, W >= 16, got {size}')
    if not 0. <= difficulty <= 1.:
        raise ValueError(f'difficulty must be in [0, 1], got {difficulty}')


def _empty_cocovid() -> Dict[str, list]:
    return dict(categories=[dict(c) for c in CATEGORIES], videos=[],
                images=[], annotations=[])


def _add_cocovid_video(coco: Dict[str, list], name: str, category_id: int,
                       hw: Tuple[int, int], bboxes: List[Optional[List[int]]],
                       flag_train: bool) -> None:
    """Append one video, its frames and boxes, with 1-based running ids."""
    h, w = hw
    video_id = len(coco['videos']) + 1
    train_ids = set(vid_train_frame_ids(len(bboxes))) if flag_train else set()
    coco['videos'].append(
        dict(id=video_id, name=name, height=h, width=w,
             vid_train_frames=sorted(train_ids)))
    for frame_id, bbox in enumerate(bboxes):
        image_id = len(coco['images']) + 1
        coco['images'].append(
            dict(file_name=f'{name}/{frame_id:06d}.png', height=h, width=w,
                 id=image_id, frame_id=frame_id, video_id=video_id,
                 is_vid_train_frame=frame_id in train_ids))
        if bbox is None:
            continue
        coco['annotations'].append(
            dict(id=len(coco['annotations']) + 1, video_id=video_id,
                 image_id=image_id, category_id=category_id, instance_id=0,
                 bbox=bbox, area=bbox[2] * bbox[3], iscrowd=0,
                 occluded=False, generated=False))
