"""Tests of the synthetic BUSV/BUSI generator (layouts of docs datasets.md)."""
import importlib.util
import json
import os
import os.path as osp
import re

import cv2
import numpy as np
import pytest
from PIL import Image

from kga_mmaction.datasets import synthetic as S

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

TINY_BUSV = dict(num_benign=4, num_malignant=4, frames=(15, 20),
                 size=(64, 64), val_fraction=0.25)
TINY_BUSI = dict(num_benign=12, num_malignant=12, num_normal=2,
                 size=(64, 64), extra_mask_prob=0.3, grayscale_prob=0.3)

VIDEO_ID = re.compile(r'^x?[0-9a-f]{15,16}$')
FRAME_NAME = re.compile(r'^(\d{6})\.png$')
BUSI_NAME = re.compile(
    r'^(benign|malignant|normal) \((\d+)\)(_mask(?:_(\d+))?)?\.png$')


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('synth') / 'synthetic')
    meta = S.make_synthetic_datasets(out, busv=TINY_BUSV, busi=TINY_BUSI,
                                     seed=3, progress=False)
    return out, meta


def _load(out, name):
    with open(osp.join(out, S.BUSV_DIRNAME, name)) as f:
        return json.load(f)


def _all_files(root):
    files = {}
    for d, _, names in os.walk(root):
        for n in names:
            p = osp.join(d, n)
            with open(p, 'rb') as f:
                files[osp.relpath(p, root)] = f.read()
    return files


# ---------------------------------------------------------------------------
# BUSV layout
# ---------------------------------------------------------------------------
def test_busv_top_level_layout(dataset):
    out, _ = dataset
    assert sorted(os.listdir(out)) == sorted(
        [S.BUSV_DIRNAME, S.BUSI_DIRNAME, S.META_FILENAME])
    root = osp.join(out, S.BUSV_DIRNAME)
    assert sorted(os.listdir(root)) == sorted(
        ['rawframes', 'imagenet_vid_train_15frames.json',
         'imagenet_vid_val.json'])
    assert sorted(os.listdir(osp.join(root, 'rawframes'))) == [
        'benign', 'malignant']


def test_busv_json_schema(dataset):
    out, _ = dataset
    for name in (S.BUSV_TRAIN_JSON, S.BUSV_VAL_JSON):
        coco = _load(out, name)
        assert set(coco) == {'categories', 'videos', 'images', 'annotations'}
        assert coco['categories'] == [{'id': 1, 'name': 'benign'},
                                      {'id': 2, 'name': 'malignant'}]
        assert [v['id'] for v in coco['videos']] == list(
            range(1, len(coco['videos']) + 1))
        assert [i['id'] for i in coco['images']] == list(
            range(1, len(coco['images']) + 1))
        videos = {v['id']: v for v in coco['videos']}
        for v in coco['videos']:
            assert {'id', 'name', 'height', 'width'} <= set(v)
            cls, vid = v['name'].split('/')
            assert cls in S.CLASSES and VIDEO_ID.match(vid), v['name']
        images = {}
        for img in coco['images']:
            assert set(img) == {'file_name', 'height', 'width', 'id',
                                'frame_id', 'video_id', 'is_vid_train_frame'}
            video = videos[img['video_id']]
            # file_name = '<class>/<video_id>/<6-digit frame_id>.png'
            assert img['file_name'] == (
                f"{video['name']}/{img['frame_id']:06d}.png")
            assert (img['height'], img['width']) == (video['height'],
                                                     video['width'])
            images[img['id']] = img
        assert coco['annotations'], name
        for k, ann in enumerate(coco['annotations'], 1):
            assert ann['id'] == k
            img = images[ann['image_id']]
            assert ann['video_id'] == img['video_id']
            # label = first path component = category
            cls = img['file_name'].split('/')[0]
            assert ann['category_id'] == S.CLASSES.index(cls) + 1
            x, y, w, h = ann['bbox']
            assert w > 0 and h > 0 and x >= 0 and y >= 0
            assert x + w <= img['width'] and y + h <= img['height']
            assert ann['area'] == w * h and ann['iscrowd'] == 0


def test_busv_frames_on_disk_match_json(dataset):
    out, _ = dataset
    root = osp.join(out, S.BUSV_DIRNAME, 'rawframes')
    in_json = {}
    for name in (S.BUSV_TRAIN_JSON, S.BUSV_VAL_JSON):
        coco = _load(out, name)
        for v in coco['videos']:
            assert v['name'] not in in_json, 'video in both splits'
            frames = [i for i in coco['images'] if i['video_id'] == v['id']]
            in_json[v['name']] = (len(frames), v['height'], v['width'])
    on_disk = {f'{c}/{v}' for c in S.CLASSES
               for v in os.listdir(osp.join(root, c))}
    assert on_disk == set(in_json)
    assert len(on_disk) == TINY_BUSV['num_benign'] + TINY_BUSV[
        'num_malignant']
    sizes = set()
    for name, (n, h, w) in in_json.items():
        files = sorted(os.listdir(osp.join(root, name)))
        assert all(FRAME_NAME.match(f) for f in files), files
        # 0-based, contiguous, as many as the JSON lists
        assert [int(FRAME_NAME.match(f).group(1)) for f in files] == list(
            range(n))
        lo, hi = TINY_BUSV['frames']
        assert lo <= n <= hi
        first = cv2.imread(osp.join(root, name, files[0]),
                           cv2.IMREAD_UNCHANGED)
        assert first.shape == (h, w, 3)
        sizes.add((h, w))
    assert len(sizes) > 1, 'frame size should vary between videos'


def test_busv_train_flags_and_split(dataset):
    out, _ = dataset
    train, val = _load(out, S.BUSV_TRAIN_JSON), _load(out, S.BUSV_VAL_JSON)
    for v in train['videos']:
        frames = [i for i in train['images'] if i['video_id'] == v['id']]
        flagged = [i['frame_id'] for i in frames if i['is_vid_train_frame']]
        assert len(flagged) == 15
        assert flagged[0] == 0 and flagged[-1] == len(frames) - 1
        assert flagged == v['vid_train_frames']
        gaps = np.diff(flagged)
        assert gaps.max() - gaps.min() <= 1  # evenly spaced
    assert not any(i['is_vid_train_frame'] for i in val['images'])
    # stratified: each class has val_fraction of its videos in val
    for cls, n in (('benign', TINY_BUSV['num_benign']),
                   ('malignant', TINY_BUSV['num_malignant'])):
        n_val = sum(v['name'].startswith(cls + '/') for v in val['videos'])
        assert n_val == round(n * TINY_BUSV['val_fraction'])


def test_video_ids():
    rng = np.random.default_rng(0)
    ids = [S.make_video_id(rng) for _ in range(300)]
    assert all(VIDEO_ID.match(i) for i in ids)
    assert {len(i.lstrip('x')) for i in ids} == {15, 16}
    assert any(i.startswith('x') for i in ids)
    assert not all(i.startswith('x') for i in ids)


def test_vid_train_frame_ids():
    assert S.vid_train_frame_ids(40) == [
        int(round(x)) for x in np.linspace(0, 39, 15)]
    assert S.vid_train_frame_ids(15) == list(range(15))
    assert S.vid_train_frame_ids(7) == list(range(7))


# ---------------------------------------------------------------------------
# BUSI layout
# ---------------------------------------------------------------------------
def test_busi_layout_and_masks(dataset):
    out, _ = dataset
    root = osp.join(out, S.BUSI_DIRNAME)
    assert sorted(os.listdir(root)) == ['benign', 'malignant', 'normal']
    modes, extra = set(), 0
    for cls, n in (('benign', TINY_BUSI['num_benign']),
                   ('malignant', TINY_BUSI['num_malignant']),
                   ('normal', TINY_BUSI['num_normal'])):
        files = os.listdir(osp.join(root, cls))
        for f in files:
            m = BUSI_NAME.match(f)
            assert m and m.group(1) == cls, f
        images = sorted((f for f in files if '_mask' not in f),
                        key=lambda f: int(BUSI_NAME.match(f).group(2)))
        assert images == [f'{cls} ({k}).png' for k in range(1, n + 1)]
        for f in images:
            stem = f[:-len('.png')]
            img = Image.open(osp.join(root, cls, f))
            modes.add(img.mode)
            # the mask matches by exact stem ('benign (1)' != 'benign (10)')
            mask_file = osp.join(root, cls, stem + '_mask.png')
            assert osp.isfile(mask_file), mask_file
            mask = cv2.imread(mask_file, cv2.IMREAD_UNCHANGED)
            assert mask.shape == (img.height, img.width)
            assert set(np.unique(mask)) <= {0, 255}
            assert (mask.max() == 0) == (cls == 'normal')
            if osp.isfile(osp.join(root, cls, stem + '_mask_1.png')):
                extra += 1
        n_masks = sum('_mask' in f for f in files)
        assert len(images) + n_masks == len(files)
    assert modes == {'L', 'RGB'}
    assert extra > 0, 'some images should have a _mask_1 file'


# ---------------------------------------------------------------------------
# Determinism and the CLI/atomic behaviour
# ---------------------------------------------------------------------------
MINI_BUSV = dict(num_benign=1, num_malignant=1, frames=(15, 16),
                 size=(32, 40))
MINI_BUSI = dict(num_benign=2, num_malignant=2, num_normal=1, size=(32, 40))


def test_determinism(tmp_path):
    trees = []
    for name, seed in (('a', 7), ('b', 7), ('c', 8)):
        out = str(tmp_path / name)
        S.make_synthetic_datasets(out, busv=MINI_BUSV, busi=MINI_BUSI,
                                  seed=seed, progress=False)
        trees.append(_all_files(out))
    assert trees[0] == trees[1]  # same seed: same names, same bytes
    assert trees[0] != trees[2]
    # a different seed changes the pixels, not just the names
    assert sorted(trees[0])[0] == sorted(trees[2])[0]  # busi benign (1)
    key = sorted(trees[0])[0]
    assert trees[0][key] != trees[2][key]


def test_refuses_non_empty_target(tmp_path):
    out = tmp_path / 'target'
    out.mkdir()
    (out / 'precious.txt').write_text('keep me')
    for overwrite in (False, True):  # no synthetic_meta.json: never replace
        with pytest.raises(FileExistsError, match='target'):
            S.make_synthetic_datasets(str(out), overwrite=overwrite,
                                      busv=MINI_BUSV, busi=MINI_BUSI,
                                      progress=False)
    assert os.listdir(out) == ['precious.txt']
    assert sorted(os.listdir(tmp_path)) == ['target']  # no temp left over


def test_overwrite_replaces_previous_output(tmp_path):
    out = str(tmp_path / 'synthetic')
    os.makedirs(out)  # an empty target is fine
    S.make_synthetic_datasets(out, busv=MINI_BUSV, busi=MINI_BUSI, seed=1,
                              progress=False)
    with pytest.raises(FileExistsError):
        S.make_synthetic_datasets(out, busv=MINI_BUSV, busi=MINI_BUSI,
                                  seed=2, progress=False)
    meta = S.make_synthetic_datasets(out, overwrite=True, busv=MINI_BUSV,
                                     busi=MINI_BUSI, seed=2, progress=False)
    with open(osp.join(out, S.META_FILENAME)) as f:
        assert json.load(f)['seed'] == meta['seed'] == 2
    assert sorted(os.listdir(tmp_path)) == ['synthetic']


def test_interrupted_run_leaves_nothing(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(S, 'make_synthetic_busi', boom)
    out = tmp_path / 'synthetic'
    with pytest.raises(KeyboardInterrupt):
        S.make_synthetic_datasets(str(out), busv=MINI_BUSV, busi=MINI_BUSI,
                                  progress=False)
    assert os.listdir(tmp_path) == []  # neither target nor temp directory


def test_cli(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location(
        'make_synthetic', osp.join(REPO, 'tools', 'data', 'make_synthetic.py'))
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    out = str(tmp_path / 'synthetic')
    argv = ['--out', out, '--videos-per-class', '2', '--frames', '15', '15',
            '--size', '32', '32', '--images-per-class', '2',
            '--normal-images', '0', '--malignant-fraction', '0.75']
    assert cli.main(argv) == 0
    text = capsys.readouterr().out
    assert 'train: 1 benign, 2 malignant' in text
    assert 'val  : 0 benign, 1 malignant' in text
    assert len(os.listdir(osp.join(out, S.BUSI_DIRNAME, 'malignant'))) == 6
    assert cli.main(argv) == 2  # non-empty target
    assert 'not empty' in capsys.readouterr().err


@pytest.mark.parametrize('kwargs', [
    dict(difficulty=1.5), dict(size=(8, 8)), dict(frames=(10, 5)),
    dict(val_fraction=1.0)])
def test_invalid_arguments(tmp_path, kwargs):
    with pytest.raises(ValueError):
        S.make_synthetic_busv(str(tmp_path), progress=False,
                              **dict(MINI_BUSV, **kwargs))


# ---------------------------------------------------------------------------
# The premise: class-typical keyframes, ambiguous off-center frames
# ---------------------------------------------------------------------------
def _busi_lesions(out, cls):
    root = osp.join(out, S.BUSI_DIRNAME, cls)
    for k in range(1, TINY_BUSI[f'num_{cls}'] + 1):
        img = cv2.imread(osp.join(root, f'{cls} ({k}).png'),
                         cv2.IMREAD_GRAYSCALE)
        mask = cv2.imread(osp.join(root, f'{cls} ({k})_mask.png'),
                          cv2.IMREAD_GRAYSCALE) > 0
        yield img, mask


def test_keyframe_shape_premise(dataset):
    out, _ = dataset
    stats = {
        cls: [S.mask_shape_stats(m) for _, m in _busi_lesions(out, cls)]
        for cls in S.CLASSES
    }
    ratio = {c: np.mean([s['width_height_ratio'] for s in v])
             for c, v in stats.items()}
    rough = {c: np.mean([s['roughness'] for s in v])
             for c, v in stats.items()}
    assert ratio['benign'] > 1.2  # wider than tall
    assert ratio['malignant'] < 0.9  # taller than wide
    assert rough['malignant'] > 1.5 * rough['benign']  # irregular margin


def test_keyframe_echo_premise(dataset):
    """Hypoechoic lesions; shadowing behind malignant, not behind benign."""
    out, _ = dataset
    posterior = {}
    for cls in S.CLASSES:
        ratios = []
        for img, mask in _busi_lesions(out, cls):
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


def test_video_keyframes_follow_class(dataset):
    """The largest cross-section of each video carries its class's shape."""
    out, _ = dataset
    ratios = {c: [] for c in S.CLASSES}
    for name in (S.BUSV_TRAIN_JSON, S.BUSV_VAL_JSON):
        coco = _load(out, name)
        videos = {v['id']: v['name'].split('/')[0] for v in coco['videos']}
        best = {}
        for ann in coco['annotations']:
            if ann['area'] > best.get(ann['video_id'], (0, None))[0]:
                best[ann['video_id']] = (ann['area'], ann['bbox'])
        for vid, (_, (_, _, w, h)) in best.items():
            ratios[videos[vid]].append(w / h)
    assert np.mean(ratios['benign']) > 1.1
    assert np.mean(ratios['malignant']) < 0.95


def test_only_a_minority_of_frames_is_clear(dataset):
    _, meta = dataset
    clarity = np.concatenate([v['clarity'] for v in meta['busv']['videos']])
    assert 0.05 < np.mean(clarity > 0.5) < 0.5
    # every sweep does pass through its diagnostic cross-section
    assert all(max(v['clarity']) > 0.9 for v in meta['busv']['videos'])


def test_difficulty_controls_ambiguity():
    def clear_fraction(difficulty):
        return np.mean([
            np.mean(S.sweep_schedule(np.random.default_rng(i), 40,
                                     difficulty)['clarity'] > 0.5)
            for i in range(50)
        ])

    def typicality(difficulty):
        rngs = [np.random.default_rng(i) for i in range(200)]
        return np.mean([abs(S.class_malignancy(r, 1, difficulty) - 0.5)
                        for r in rngs])

    assert clear_fraction(0.) > clear_fraction(0.5) > clear_fraction(1.)
    assert typicality(0.) == pytest.approx(0.5)
    assert typicality(0.) > typicality(0.5) > typicality(1.)
    # off-center frames look halfway between the classes
    m = S.frame_malignancy(0.95, np.array([1., 0.25, 0.]))
    assert m[0] == pytest.approx(0.95) and m[2] == pytest.approx(0.5)
    assert 0.5 < m[1] < 0.95


def test_roughness_of_outline_grows_with_malignancy():
    shape = S.sample_lesion_shape(np.random.default_rng(0))
    yy, xx = np.mgrid[0:96, 0:96].astype(np.float32)
    rough = []
    for m in (0., 0.5, 1.):
        _, mask = S.lesion_fields(S.LesionPlacement(shape, m, 48., 48., 20.),
                                  xx, yy)
        rough.append(S.mask_shape_stats(mask)['roughness'])
    assert rough[0] < rough[1] < rough[2]
    assert rough[0] < 1.25 * 4 * np.pi  # near-elliptical benign outline


def test_split_helpers():
    assert S.counts_from_fraction(24, 0.5) == (24, 24)
    assert S.counts_from_fraction(10, 0.6) == (8, 12)
    with pytest.raises(ValueError):
        S.counts_from_fraction(10, 1.5)
    split = S.stratified_split(10, 5, 0.2, seed=0)
    assert len(split['benign']) == 2 and len(split['malignant']) == 1
    assert split == S.stratified_split(10, 5, 0.2, seed=0)
    assert S.stratified_split(1, 1, 0.2, seed=0) == {'benign': [],
                                                     'malignant': []}
