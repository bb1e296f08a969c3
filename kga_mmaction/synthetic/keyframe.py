"""Keyframes: one clear cross-section per image, as in BUSI."""
from typing import List, Optional, Tuple

import numpy as np

from .bmode import (apply_lesion, complex_speckle, lesion_noise,
                    render_bmode, sample_display, scan_geometry,
                    tissue_echogenicity)
from .lesion import (LesionPlacement, class_malignancy, lesion_fields,
                     sample_lesion_shape)


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
            echo = apply_lesion(echo, sd, m, scale,
                                lesion_noise(rng, hw, scale))
            masks.append(mask & (geometry.fov > 0.5))
    image = render_bmode(echo, speckle, geometry, display)
    return image, masks, m
