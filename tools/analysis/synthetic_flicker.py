"""Does a temporal statistic separate the synthetic classes better than a
single frame does? (``results/synthetic_flicker.md``)::

    python tools/analysis/synthetic_flicker.py [--videos-per-class 60]

A generator artefact that 3D CNNs could read and per-frame models cannot
shows up here. Videos are rendered in memory by the checked-out generator
(:func:`kga_mmaction.synthetic.sweep.render_video`, each frame's lesion mask
recorded on the way); per video:

* ``ratio``: mean over consecutive frame pairs of the absolute change
  divided by the mean intensity, inside the lesion (both frames' masks,
  eroded 2 px) over the same outside it (field of view more than 6 px from
  either mask); ``ratio_clear`` / ``ratio_unclear``: only the pairs whose
  clarity is >= 0.5 in both frames / the others;
* ``d_in``, ``d_out``: the two changes alone;
* ``shape_change``: mean ``1 - IoU`` of consecutive masks;
* ``cv_mid``, ``cv_clear``: the lesion interior's std/mean on the middle and
  on the clearest frame (single-frame appearance, for comparison).

Each statistic's AUC is malignant against benign (0.5: no separation).
Nothing is written.
"""
import argparse
from contextlib import contextmanager
from typing import Dict, Iterator, List

import cv2
import numpy as np

import kga_mmaction.synthetic.sweep as sweep

#: Frames, frame size and difficulty of the rendered videos.
NUM_FRAMES, SIZE, DIFFICULTY = 32, (96, 96), 0.6
#: Erosion of the interior and margin of the background, in pixels.
INNER_KERNEL, OUTER_KERNEL = np.ones((5, 5), np.uint8), np.ones((13, 13),
                                                                np.uint8)
MIN_PIXELS = 10


@contextmanager
def recorded_masks() -> Iterator[List[np.ndarray]]:
    """The lesion mask of every frame rendered inside the block."""
    masks: List[np.ndarray] = []
    original = sweep.lesion_fields

    def recording(placement, xx, yy):
        sd, mask = original(placement, xx, yy)
        masks.append(mask.copy())
        return sd, mask

    sweep.lesion_fields = recording
    try:
        yield masks
    finally:
        sweep.lesion_fields = original


def relative_change(a: np.ndarray, b: np.ndarray, where: np.ndarray) -> float:
    """Mean ``|a - b|`` over ``where``, divided by the mean intensity."""
    return float(np.abs(a - b)[where].mean() /
                 max(0.5 * (a + b)[where].mean(), 1e-6))


def interior_cv(frame: np.ndarray, mask: np.ndarray,
                fov: np.ndarray) -> float:
    """std / mean of the lesion interior of one frame (nan if tiny)."""
    inner = cv2.erode(mask, INNER_KERNEL).astype(bool) & fov
    if inner.sum() < MIN_PIXELS:
        return float('nan')
    return float(frame[inner].std() / max(frame[inner].mean(), 1e-6))


def video_statistics(label: int, index: int) -> Dict[str, float]:
    """The statistics of one rendered video."""
    rng = np.random.default_rng([1234, label, index])
    with recorded_masks() as masks:
        frames, _, info = sweep.render_video(rng, label, NUM_FRAMES, SIZE,
                                             DIFFICULTY)
    f = np.stack(frames).astype(np.float64)  # [T, H, W]
    m = np.stack(masks).astype(np.uint8)  # [T, H, W]
    fov = (f > 0).all(0)
    clarity = np.asarray(info['clarity'])
    pairs = {True: ([], []), False: ([], [])}  # clear? -> (in, out)
    d_in, d_out, shape = [], [], []
    for t in range(1, NUM_FRAMES):
        inner = cv2.erode(m[t] & m[t - 1], INNER_KERNEL).astype(bool) & fov
        far = ~cv2.dilate(m[t] | m[t - 1], OUTER_KERNEL).astype(bool) & fov
        d_out.append(relative_change(f[t], f[t - 1], far))
        if inner.sum() >= MIN_PIXELS:
            d_in.append(relative_change(f[t], f[t - 1], inner))
            clear = min(clarity[t], clarity[t - 1]) >= 0.5
            pairs[clear][0].append(d_in[-1])
            pairs[clear][1].append(d_out[-1])
        union = (m[t] | m[t - 1]).sum()
        if union:
            shape.append(1 - (m[t] & m[t - 1]).sum() / union)

    def ratio(inside, outside):
        return np.mean(inside) / np.mean(outside) if inside else np.nan

    return dict(d_in=np.mean(d_in), d_out=np.mean(d_out),
                ratio=ratio(d_in, d_out), ratio_clear=ratio(*pairs[True]),
                ratio_unclear=ratio(*pairs[False]),
                shape_change=np.mean(shape),
                cv_mid=interior_cv(f[NUM_FRAMES // 2], m[NUM_FRAMES // 2],
                                   fov),
                cv_clear=interior_cv(f[int(np.argmax(clarity))],
                                     m[int(np.argmax(clarity))], fov))


def auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """Mann-Whitney AUC of ``positive`` scores above ``negative`` ones."""
    above = (positive[:, None] > negative[None, :]).mean()
    ties = (positive[:, None] == negative[None, :]).mean()
    return float(above + 0.5 * ties)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--videos-per-class', type=int, default=20)
    args = parser.parse_args(argv)
    rows = {label: [video_statistics(label, i)
                    for i in range(args.videos_per_class)]
            for label in (0, 1)}
    print(f'{args.videos_per_class} videos/class, {NUM_FRAMES} frames, '
          f'{SIZE[0]} px, difficulty {DIFFICULTY}')
    print(f'{"statistic":14s} {"benign":>16s} {"malignant":>16s} {"AUC":>6s}')
    for key in rows[0][0]:
        benign, malignant = (np.array([r[key] for r in rows[label]])
                             for label in (0, 1))
        benign, malignant = (benign[~np.isnan(benign)],
                             malignant[~np.isnan(malignant)])
        print(f'{key:14s} {benign.mean():8.4f}+-{benign.std():6.4f} '
              f'{malignant.mean():8.4f}+-{malignant.std():6.4f} '
              f'{auc(malignant, benign):6.3f}')


if __name__ == '__main__':
    main()
