"""kga_mmaction.synthetic.keyframe: BUSI keyframes carry the class-typical
shape and echo features of KGA-Net's premise."""
import os.path as osp

import cv2
import numpy as np

from kga_mmaction.datasets.busv.layout import BUSV_CLASSES
from kga_mmaction.synthetic import mask_shape_stats


def _busi_lesions(tiny, cls):
    root = osp.join(tiny.busi_root, cls)
    for k in range(1, tiny.busi[f'num_{cls}'] + 1):
        img = cv2.imread(osp.join(root, f'{cls} ({k}).png'),
                         cv2.IMREAD_GRAYSCALE)
        mask = cv2.imread(osp.join(root, f'{cls} ({k})_mask.png'),
                          cv2.IMREAD_GRAYSCALE) > 0
        yield img, mask


def test_keyframe_shape_premise(tiny):
    stats = {
        cls: [mask_shape_stats(m) for _, m in _busi_lesions(tiny, cls)]
        for cls in BUSV_CLASSES
    }
    ratio = {c: np.mean([s['width_height_ratio'] for s in v])
             for c, v in stats.items()}
    rough = {c: np.mean([s['roughness'] for s in v])
             for c, v in stats.items()}
    assert ratio['benign'] > 1.2  # wider than tall
    assert ratio['malignant'] < 0.9  # taller than wide
    assert rough['malignant'] > 1.5 * rough['benign']  # irregular margin


def test_keyframe_echo_premise(tiny):
    """Hypoechoic lesions; shadowing behind malignant, not behind benign."""
    posterior = {}
    for cls in BUSV_CLASSES:
        ratios = []
        for img, mask in _busi_lesions(tiny, cls):
            img = img.astype(np.float64)
            ring = cv2.dilate(mask.astype(np.uint8), np.ones((9, 9))) > 0
            ring &= ~mask & (img > 0)
            assert img[mask].mean() < 0.7 * img[ring].mean()
            ys, xs = np.nonzero(mask)
            y1, x0, x1 = ys.max(), xs.min(), xs.max()
            w = x1 - x0 + 1
            band = slice(y1 + 3, min(y1 + 3 + w, img.shape[0]))
            below = img[band, x0 + w // 4:x1 - w // 4 + 1]
            beside = np.concatenate([img[band, max(x0 - w, 0):x0 - 2],
                                     img[band, x1 + 3:x1 + w + 1]], axis=1)
            beside = beside[beside > 0]
            if below.size and beside.size:
                ratios.append(below.mean() / beside.mean())
        posterior[cls] = np.median(ratios)
    assert posterior['malignant'] < 0.9
    assert posterior['benign'] > posterior['malignant'] + 0.1
