"""kga_mmaction.synthetic.sweep: only frames near the lesion's center are
clear and class-typical; difficulty controls how few."""
import numpy as np
import pytest

from kga_mmaction.datasets.busv.layout import BUSV_CLASSES, BUSV_SPLITS
from kga_mmaction.synthetic.lesion import class_malignancy
from kga_mmaction.synthetic.sweep import frame_malignancy, sweep_schedule


def test_video_keyframes_follow_class(tiny):
    """The largest cross-section of each video carries its class's shape."""
    ratios = {c: [] for c in BUSV_CLASSES}
    for split in BUSV_SPLITS:
        coco = tiny.coco(split)
        videos = {v['id']: v['name'].split('/')[0] for v in coco['videos']}
        best = {}
        for ann in coco['annotations']:
            if ann['area'] > best.get(ann['video_id'], (0, None))[0]:
                best[ann['video_id']] = (ann['area'], ann['bbox'])
        for vid, (_, (_, _, w, h)) in best.items():
            ratios[videos[vid]].append(w / h)
    assert np.mean(ratios['benign']) > 1.1
    assert np.mean(ratios['malignant']) < 0.95


def test_only_a_minority_of_frames_is_clear(tiny):
    meta = tiny.meta
    clarity = np.concatenate([v['clarity'] for v in meta['busv']['videos']])
    assert 0.05 < np.mean(clarity > 0.5) < 0.5
    # every sweep does pass through its diagnostic cross-section
    assert all(max(v['clarity']) > 0.9 for v in meta['busv']['videos'])


def test_difficulty_controls_ambiguity():
    def clear_fraction(difficulty):
        return np.mean([
            np.mean(sweep_schedule(np.random.default_rng(i), 40,
                                   difficulty)['clarity'] > 0.5)
            for i in range(50)
        ])

    def typicality(difficulty):
        rngs = [np.random.default_rng(i) for i in range(200)]
        return np.mean([abs(class_malignancy(r, 1, difficulty) - 0.5)
                        for r in rngs])

    assert clear_fraction(0.) > clear_fraction(0.5) > clear_fraction(1.)
    assert typicality(0.) == pytest.approx(0.5)
    assert typicality(0.) > typicality(0.5) > typicality(1.)
    # off-center frames look halfway between the classes
    m = frame_malignancy(0.95, np.array([1., 0.25, 0.]))
    assert m[0] == pytest.approx(0.95) and m[2] == pytest.approx(0.5)
    assert 0.5 < m[1] < 0.95
