"""kga_mmaction.synthetic.sweep: only frames near the lesion's center are
clear and class-typical; difficulty controls how few."""
import numpy as np
import pytest

from kga_mmaction.datasets.busv.layout import BUSV_CLASSES, BUSV_SPLITS
from kga_mmaction.synthetic.bmode import apply_lesion, lesion_noise
from kga_mmaction.synthetic.lesion import class_malignancy
from kga_mmaction.synthetic.sweep import (frame_malignancy, keyframe_clarity,
                                          sweep_schedule)


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


@pytest.mark.parametrize('num_frames', [1, 7, 30, 135, 240])
@pytest.mark.parametrize('fraction', [0.03, 0.1, 0.25, 0.5, 0.9, 1.0])
def test_keyframe_fraction_sets_the_share_of_clear_frames(num_frames,
                                                          fraction):
    for seed in range(5):
        sched = sweep_schedule(np.random.default_rng(seed), num_frames, 0.6,
                               keyframe_fraction=fraction)
        clear = sched['clarity'] >= 0.5
        assert abs(clear.mean() - fraction) <= 1. / num_frames
        assert clear.any()
        # the clear frames are the ones nearest the lesion's center, fully
        # clear, and clarity falls off quickly outside them
        a = np.abs(sched['s'])
        assert a[clear].max() < a[~clear].min(initial=np.inf)
        assert np.all(sched['clarity'][clear] == 1.)
        assert np.all(sched['clarity'][~clear] <= np.exp(-1.) + 1e-12)


def test_keyframe_fraction_one_makes_every_frame_clear():
    sched = sweep_schedule(np.random.default_rng(0), 60, 1.,
                           keyframe_fraction=1.)
    assert np.all(sched['clarity'] == 1.)


def test_keyframe_fraction_changes_only_clarity():
    """Same random draws with or without it: the probe path, and so the
    lesion geometry, is the same; the class stays set by the difficulty."""
    rngs = [np.random.default_rng(11) for _ in range(3)]
    default = sweep_schedule(rngs[0], 40, 0.6)
    given = sweep_schedule(rngs[1], 40, 0.6, keyframe_fraction=0.3)
    np.testing.assert_array_equal(default['s'], given['s'])
    np.testing.assert_array_equal(default['section'], given['section'])
    assert rngs[0].random() == rngs[1].random()  # stream left in step
    # None is the difficulty's schedule, unchanged
    sched = sweep_schedule(rngs[2], 40, 0.6, keyframe_fraction=None)
    sigma = 0.12 + 0.28 * (1. - 0.6)
    np.testing.assert_array_equal(sched['clarity'],
                                  np.exp(-(default['s'] / sigma)**2))


def test_keyframe_clarity_decays_within_tau():
    s = -np.linspace(-0.2, 1., 25)  # |s| steps of 0.05 or more
    clarity = keyframe_clarity(s, 0.2, tau=0.03)
    q = np.sort(np.abs(s))[4]  # 5 of 25 frames
    outside = np.abs(s) > q
    assert outside.sum() == 20
    np.testing.assert_allclose(
        clarity[outside], np.exp(-((np.abs(s[outside]) - q) / 0.03)**2))
    # frames closer together than tau: the decay narrows to their gap
    s = np.linspace(0., 1., 201)
    clarity = keyframe_clarity(s, 0.1, tau=0.05)
    assert (clarity >= 0.5).sum() == 20
    assert clarity[20] == pytest.approx(np.exp(-1.))


@pytest.mark.parametrize('fraction', [0., -0.1, 1.5, float('nan')])
def test_keyframe_clarity_rejects_fraction_outside_0_1(fraction):
    with pytest.raises(ValueError, match='keyframe_fraction'):
        keyframe_clarity(np.zeros(5), fraction)


def test_lesion_interior_persists_over_the_sweep(monkeypatch):
    """Texture and specks are drawn once per video, in tissue coordinates
    (real tissue does not re-draw itself between frames); only the speckle
    decorrelates."""
    import kga_mmaction.synthetic.sweep as sweep
    fields = []

    def spy(rng, hw, scale):
        fields.append(hw)
        return lesion_noise(rng, hw, scale)

    monkeypatch.setattr(sweep, 'lesion_noise', spy)
    sweep.render_video(np.random.default_rng(0), 1, 12, (48, 64), 0.6)
    assert len(fields) == 1 and fields[0][0] == 48 and fields[0][1] > 64
    # the same fields give the same interior: no random draw inside
    noise = lesion_noise(np.random.default_rng(1), (32, 32), 0.25)
    sd = np.full((32, 32), 5., np.float32)
    echo = np.ones((32, 32), np.float32)
    np.testing.assert_array_equal(apply_lesion(echo, sd, 0.9, 0.25, noise),
                                  apply_lesion(echo, sd, 0.9, 0.25, noise))
