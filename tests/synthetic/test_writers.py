"""kga_mmaction.synthetic.writers: the BUSV and BUSI trees in the released
layouts (docs datasets.md), deterministic per seed, written atomically."""
import importlib.util
import json
import os
import os.path as osp
import re

import cv2
import numpy as np
import pytest
from PIL import Image

from kga_mmaction.datasets.busi.layout import BUSI_FOLDER
from kga_mmaction.datasets.busv.layout import BUSV_CLASSES, BUSV_SPLITS
from kga_mmaction.synthetic import (BUSV_DIRNAME, META_FILENAME,
                                    counts_from_fraction, make_synthetic_busv,
                                    make_synthetic_datasets, writers)
from kga_mmaction.synthetic.writers import make_video_id, stratified_split

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

VIDEO_ID = re.compile(r'^x?[0-9a-f]{15,16}$')
FRAME_NAME = re.compile(r'^(\d{6})\.png$')
BUSI_NAME = re.compile(
    r'^(benign|malignant|normal) \((\d+)\)(_mask(?:_(\d+))?)?\.png$')


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
def test_busv_top_level_layout(tiny):
    out = tiny.out
    assert sorted(os.listdir(out)) == sorted(
        [BUSV_DIRNAME, BUSI_FOLDER, META_FILENAME])
    root = osp.join(out, BUSV_DIRNAME)
    assert sorted(os.listdir(root)) == sorted(
        ['rawframes', 'imagenet_vid_train_15frames.json',
         'imagenet_vid_val.json'])
    assert sorted(os.listdir(osp.join(root, 'rawframes'))) == [
        'benign', 'malignant']


def test_busv_json_schema(tiny):
    for split in BUSV_SPLITS:
        coco = tiny.coco(split)
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
            assert cls in BUSV_CLASSES and VIDEO_ID.match(vid), v['name']
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
        assert coco['annotations'], split
        for k, ann in enumerate(coco['annotations'], 1):
            assert ann['id'] == k
            img = images[ann['image_id']]
            assert ann['video_id'] == img['video_id']
            # label = first path component = category
            cls = img['file_name'].split('/')[0]
            assert ann['category_id'] == BUSV_CLASSES.index(cls) + 1
            x, y, w, h = ann['bbox']
            assert w > 0 and h > 0 and x >= 0 and y >= 0
            assert x + w <= img['width'] and y + h <= img['height']
            assert ann['area'] == w * h and ann['iscrowd'] == 0


def test_busv_frames_on_disk_match_json(tiny):
    root = osp.join(tiny.busv_root, 'rawframes')
    in_json = {}
    for split in BUSV_SPLITS:
        coco = tiny.coco(split)
        for v in coco['videos']:
            assert v['name'] not in in_json, 'video in both splits'
            frames = [i for i in coco['images'] if i['video_id'] == v['id']]
            in_json[v['name']] = (len(frames), v['height'], v['width'])
    on_disk = {f'{c}/{v}' for c in BUSV_CLASSES
               for v in os.listdir(osp.join(root, c))}
    assert on_disk == set(in_json)
    assert len(on_disk) == tiny.busv['num_benign'] + tiny.busv[
        'num_malignant']
    sizes = set()
    for name, (n, h, w) in in_json.items():
        files = sorted(os.listdir(osp.join(root, name)))
        assert all(FRAME_NAME.match(f) for f in files), files
        # 0-based, contiguous, as many as the JSON lists
        assert [int(FRAME_NAME.match(f).group(1)) for f in files] == list(
            range(n))
        lo, hi = tiny.busv['frames']
        assert lo <= n <= hi
        first = cv2.imread(osp.join(root, name, files[0]),
                           cv2.IMREAD_UNCHANGED)
        assert first.shape == (h, w, 3)
        sizes.add((h, w))
    assert len(sizes) > 1, 'frame size should vary between videos'


def test_video_ids():
    rng = np.random.default_rng(0)
    ids = [make_video_id(rng) for _ in range(300)]
    assert all(VIDEO_ID.match(i) for i in ids)
    assert {len(i.lstrip('x')) for i in ids} == {15, 16}
    assert any(i.startswith('x') for i in ids)
    assert not all(i.startswith('x') for i in ids)


# ---------------------------------------------------------------------------
# BUSI layout
# ---------------------------------------------------------------------------
def test_busi_layout_and_masks(tiny):
    root = tiny.busi_root
    assert sorted(os.listdir(root)) == ['benign', 'malignant', 'normal']
    modes, extra = set(), 0
    for cls, n in (('benign', tiny.busi['num_benign']),
                   ('malignant', tiny.busi['num_malignant']),
                   ('normal', tiny.busi['num_normal'])):
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
        make_synthetic_datasets(out, busv=MINI_BUSV, busi=MINI_BUSI,
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
            make_synthetic_datasets(str(out), overwrite=overwrite,
                                    busv=MINI_BUSV, busi=MINI_BUSI,
                                      progress=False)
    assert os.listdir(out) == ['precious.txt']
    assert sorted(os.listdir(tmp_path)) == ['target']  # no temp left over


def test_overwrite_replaces_previous_output(tmp_path):
    out = str(tmp_path / 'synthetic')
    os.makedirs(out)  # an empty target is fine
    make_synthetic_datasets(out, busv=MINI_BUSV, busi=MINI_BUSI, seed=1,
                            progress=False)
    with pytest.raises(FileExistsError):
        make_synthetic_datasets(out, busv=MINI_BUSV, busi=MINI_BUSI,
                                seed=2, progress=False)
    meta = make_synthetic_datasets(out, overwrite=True, busv=MINI_BUSV,
                                   busi=MINI_BUSI, seed=2, progress=False)
    with open(osp.join(out, META_FILENAME)) as f:
        assert json.load(f)['seed'] == meta['seed'] == 2
    assert sorted(os.listdir(tmp_path)) == ['synthetic']


def test_interrupted_run_leaves_nothing(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(writers, 'make_synthetic_busi', boom)
    out = tmp_path / 'synthetic'
    with pytest.raises(KeyboardInterrupt):
        make_synthetic_datasets(str(out), busv=MINI_BUSV, busi=MINI_BUSI,
                                progress=False)
    assert os.listdir(tmp_path) == []  # neither target nor temp directory


def load_cli():
    spec = importlib.util.spec_from_file_location(
        'make_synthetic', osp.join(REPO, 'tools', 'data', 'make_synthetic.py'))
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    return cli


def test_cli(tmp_path, capsys):
    cli = load_cli()
    out = str(tmp_path / 'synthetic')
    argv = ['--out', out, '--videos-per-class', '2', '--frames', '15', '15',
            '--size', '32', '32', '--images-per-class', '2',
            '--normal-images', '0', '--malignant-fraction', '0.75']
    assert cli.main(argv) == 0
    text = capsys.readouterr().out
    assert 'train: 1 benign, 2 malignant' in text
    assert 'val  : 0 benign, 1 malignant' in text
    assert len(os.listdir(osp.join(out, BUSI_FOLDER, 'malignant'))) == 6
    assert cli.main(argv) == 2  # non-empty target
    assert 'not empty' in capsys.readouterr().err


def test_cli_busv_like_preset(tmp_path, capsys):
    """The preset has the released proportions; given arguments win."""
    cli = load_cli()
    args = cli.parse_args(['--preset', 'busv-like', '--out', 'x'])
    assert counts_from_fraction(args.videos_per_class,
                                args.malignant_fraction) == (74, 112)
    assert counts_from_fraction(args.images_per_class,
                                args.image_malignant_fraction) == (219, 105)
    assert args.normal_images == 66 and tuple(args.frames) == (30, 240)
    split = stratified_split(74, 112, args.val_fraction, args.seed)
    assert (len(split['benign']), len(split['malignant'])) == (15, 22)
    assert 0 < args.difficulty <= 1
    assert args.keyframe_fraction == 0.1

    out = str(tmp_path / 'busv-like')
    assert cli.main(['--preset', 'busv-like', '--out', out,
                     '--videos-per-class', '3', '--frames', '12', '12',
                     '--size', '32', '32', '--square-only',
                     '--images-per-class', '3', '--normal-images', '1',
                     '--difficulty', '0.3', '--keyframe-fraction',
                     '0.5']) == 0
    text = capsys.readouterr().out
    # 6 videos at 60 % malignant, 6 images at the preset's BUSI ratio
    assert 'train: 1 benign, 3 malignant' in text
    assert 'val  : 1 benign, 1 malignant' in text
    assert '4 benign, 2 malignant, 1 normal' in text
    assert 'difficulty 0.3, keyframe fraction 0.5, preset busv-like' in text


def test_meta_records_keyframe_fraction(tiny, tmp_path):
    assert tiny.meta['keyframe_fraction'] is None
    with open(osp.join(tiny.out, META_FILENAME)) as f:
        assert json.load(f)['keyframe_fraction'] is None
    out = str(tmp_path / 'keyframes')
    meta = make_synthetic_datasets(out, busv=MINI_BUSV, busi=MINI_BUSI,
                                   keyframe_fraction=0.25, progress=False)
    with open(osp.join(out, META_FILENAME)) as f:
        assert json.load(f)['keyframe_fraction'] == 0.25
    for video in meta['busv']['videos']:
        share = np.mean(np.array(video['clarity']) >= 0.5)
        assert abs(share - 0.25) <= 1. / video['num_frames']


@pytest.mark.parametrize('value', ['0', '1.5'])
def test_cli_rejects_keyframe_fraction_outside_0_1(tmp_path, capsys, value):
    cli = load_cli()
    out = tmp_path / 'synthetic'
    assert cli.main(['--out', str(out), '--videos-per-class', '1',
                     '--frames', '12', '12', '--size', '32', '32',
                     '--images-per-class', '1', '--normal-images', '0',
                     '--keyframe-fraction', value]) == 2
    assert f'error: keyframe_fraction must be in (0, 1], got {float(value)}' \
        in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize('kwargs', [
    dict(difficulty=1.5), dict(size=(8, 8)), dict(frames=(10, 5)),
    dict(val_fraction=1.0), dict(keyframe_fraction=0.),
    dict(keyframe_fraction=1.5)])
def test_invalid_arguments(tmp_path, kwargs):
    with pytest.raises(ValueError):
        make_synthetic_busv(str(tmp_path), progress=False,
                            **dict(MINI_BUSV, **kwargs))


def test_split_helpers():
    assert counts_from_fraction(24, 0.5) == (24, 24)
    assert counts_from_fraction(10, 0.6) == (8, 12)
    with pytest.raises(ValueError):
        counts_from_fraction(10, 1.5)
    split = stratified_split(10, 5, 0.2, seed=0)
    assert len(split['benign']) == 2 and len(split['malignant']) == 1
    assert split == stratified_split(10, 5, 0.2, seed=0)
    assert stratified_split(1, 1, 0.2, seed=0) == {'benign': [],
                                                   'malignant': []}
