"""Lesion outlines: class-typical shape as a function of malignancy.

A lesion's outline is drawn once (:func:`sample_lesion_shape`) and rendered
at a malignancy ``m`` in [0, 1] (0 = textbook benign: oval, smooth, wider
than tall; 1 = textbook malignant: micro-lobulated, spiculated, taller than
wide). :func:`mask_shape_stats` measures the same features on a mask, for
tests and for sanity checks on real data.
"""
from dataclasses import dataclass
from typing import Dict, Tuple

import cv2
import numpy as np

#: Angular samples of the outline's lookup table in :func:`lesion_fields`.
_PROFILE_SAMPLES = 720


def _smoothstep(lo: float, hi: float, x):
    t = np.clip((np.asarray(x, dtype=np.float64) - lo) / (hi - lo), 0., 1.)
    return t * t * (3. - 2. * t)


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


def class_malignancy(rng: np.random.Generator, label: int,
                     difficulty: float, spread: float = 0.9) -> float:
    """Malignancy of a lesion's diagnostic cross-section.

    Typicality ``t = 1 - difficulty * U(0, spread)``; benign lesions get
    ``m = (1 - t) / 2`` (0 = textbook benign), malignant ``(1 + t) / 2``.
    With ``difficulty = 1`` some lesions sit close to the class boundary.
    """
    t = 1. - difficulty * rng.uniform(0., spread)
    return float(0.5 * (1. + t) if label == 1 else 0.5 * (1. - t))


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
