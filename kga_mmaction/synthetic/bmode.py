"""B-mode image formation: field of view, tissue, lesion echoes, display.

An echogenicity (backscatter power) map of layered breast tissue, with
lesions painted in by :func:`apply_lesion`, is multiplied by a speckle
field blurred by the point spread function, attenuated with depth,
log-compressed and masked to the scanner's field of view
(:func:`render_bmode`).
"""
from dataclasses import dataclass
from typing import Tuple

import cv2
import numpy as np


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


@dataclass(frozen=True)
class LesionNoise:
    """Random fields of a lesion's interior, drawn once per lesion.

    Tissue texture and calcifications belong to the tissue, so a video draws
    them once, in tissue coordinates, and every frame reads the same fields
    (:meth:`columns`): only the speckle decorrelates between frames.
    """
    texture: np.ndarray  # [H, W] float32, smoothed unit-variance noise
    specks: np.ndarray  # [H, W] uniform in [0, 1); a speck where < 0.01 m

    def columns(self, start: int, width: int) -> 'LesionNoise':
        """The fields under a frame that starts at column ``start``."""
        return LesionNoise(self.texture[:, start:start + width],
                           self.specks[:, start:start + width])


def lesion_noise(rng: np.random.Generator, hw: Tuple[int, int],
                 scale: float) -> LesionNoise:
    """Draw the interior texture and speck fields of :func:`apply_lesion`.

    Args:
        rng (numpy.random.Generator): Random stream.
        hw (tuple[int, int]): Field ``(H, W)``; may be wider than a frame.
        scale (float): Pixel scale, ``min(H, W) / 128`` of the frame.
    """
    texture = _blurred_noise(rng, hw, 1.5 * scale, 1.5 * scale)
    return LesionNoise(texture, rng.random(hw))


def apply_lesion(echo: np.ndarray, sd: np.ndarray, m: float,
                 scale: float, noise: LesionNoise) -> np.ndarray:
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
        noise (LesionNoise): Interior texture and specks, ``[H, W]`` like
            ``echo`` (:func:`lesion_noise`).

    Returns:
        np.ndarray: The new ``[H, W]`` echogenicity.
    """
    hw = echo.shape
    edge = (0.6 + 1.6 * m) * scale
    cover = np.clip(sd / edge + 0.5, 0., 1.)  # [H, W] soft inside
    inner_level = 0.035 - 0.02 * m
    texture = np.exp((0.3 + 0.5 * m) * noise.texture)
    specks = (noise.specks < 0.01 * m).astype(np.float32) * 3.
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
