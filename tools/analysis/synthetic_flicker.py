"""Per-video temporal change inside vs outside the lesion, per class.

``python tools/analysis/synthetic_flicker.py [VIDEOS_PER_CLASS]`` (default
20) tells whether a one-number temporal statistic separates the synthetic
classes better than a single frame's appearance (a generator artefact that
3D CNNs could exploit and per-frame models cannot). No files are written.

Renders videos in memory with render_video (the generator at the checked-out
commit), records each frame's lesion mask, and computes per video:
  d_in  = mean_t mean|f_t - f_{t-1}| / mean f  over pixels inside both
          frames' lesion masks, eroded 2 px (interior, edge motion excluded)
  d_out = the same over field-of-view pixels > 6 px from either mask
  ratio = d_in / d_out (ratio_clear / ratio_unclear: only the frame pairs
          whose clarity is both >= 0.5 / the others)
  shape_change = mean 1 - IoU of consecutive lesion masks
and single-frame appearance statistics for comparison (lesion interior
std/mean on the middle frame, the clearest frame, averaged over frames).
AUC: malignant vs benign (Mann-Whitney), 0.5 = no separation.
"""
import sys

import cv2
import numpy as np

import kga_mmaction.synthetic.sweep as sw

N_PER_CLASS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
T, HW, DIFF = 32, (96, 96), 0.6
masks = []
_orig = sw.lesion_fields
def spy(placement, xx, yy):
    sd, mask = _orig(placement, xx, yy)
    masks.append(mask.copy())
    return sd, mask
sw.lesion_fields = spy

def auc(pos, neg):
    pos, neg = np.asarray(pos), np.asarray(neg)
    gt = (pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean()
    return gt

k_in = np.ones((5, 5), np.uint8); k_out = np.ones((13, 13), np.uint8)
rows = {0: [], 1: []}
for label in (0, 1):
    for i in range(N_PER_CLASS):
        masks.clear()
        rng = np.random.default_rng([1234, label, i])
        frames, bboxes, info = sw.render_video(rng, label, T, HW, DIFF)
        f = np.stack(frames).astype(np.float64)
        m = np.stack(masks).astype(np.uint8)
        fov = (f > 0).all(0)
        din, dout, mshape = [], [], []
        cl = np.array(info['clarity']); dc, du, oc, ou = [], [], [], []
        for t in range(1, T):
            inner = cv2.erode(m[t] & m[t - 1], k_in).astype(bool) & fov
            far = ~cv2.dilate(m[t] | m[t - 1], k_out).astype(bool) & fov
            d = np.abs(f[t] - f[t - 1])
            mu = 0.5 * (f[t] + f[t - 1])
            if inner.sum() >= 10:
                din.append(d[inner].mean() / max(mu[inner].mean(), 1e-6))
            dout.append(d[far].mean() / max(mu[far].mean(), 1e-6))
            if inner.sum() >= 10:
                both = min(cl[t], cl[t - 1]) >= 0.5
                (dc if both else du).append(din[-1]); (oc if both else ou).append(dout[-1])
            u = (m[t] | m[t - 1]).sum()
            if u:
                mshape.append(1 - (m[t] & m[t - 1]).sum() / u)
        def cv_in(t):
            inner = cv2.erode(m[t], k_in).astype(bool) & fov
            if inner.sum() < 10:
                return np.nan
            return f[t][inner].std() / max(f[t][inner].mean(), 1e-6)
        clear = int(np.argmax(info['clarity']))
        rows[label].append(dict(d_in=np.mean(din), d_out=np.mean(dout),
                                ratio=np.mean(din) / np.mean(dout),
                                shape_change=np.mean(mshape),
                                cv_mid=cv_in(T // 2), cv_clear=cv_in(clear),
                                cv_allmean=np.nanmean([cv_in(t) for t in range(T)]),
                                ratio_clear=np.mean(dc) / np.mean(oc) if dc else np.nan,
                                ratio_unclear=np.mean(du) / np.mean(ou) if du else np.nan))
keys = list(rows[0][0])
print(f'{N_PER_CLASS} videos/class, {T} frames, {HW[0]} px, difficulty {DIFF}')
print(f'{"statistic":14s} {"benign":>16s} {"malignant":>16s} {"AUC":>6s}')
for k in keys:
    b = np.array([r[k] for r in rows[0]]); mm = np.array([r[k] for r in rows[1]])
    b, mm = b[~np.isnan(b)], mm[~np.isnan(mm)]
    print(f'{k:14s} {b.mean():8.4f}±{b.std():6.4f} {mm.mean():8.4f}±{mm.std():6.4f} {auc(mm, b):6.3f}')
