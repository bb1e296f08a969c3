"""tools/analysis/*: figures and keyframes on synthetic BUSV/BUSI.

Each tool's ``main(argv)`` runs in this process (a subprocess per tool
would spend most of the time importing torch and mmaction).
"""
import csv
import importlib.util
import os
import os.path as osp
import re

import pytest
from PIL import Image

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
KEYFRAME_NAME = re.compile(r'^rank(\d\d)_frame(\d{6})_w(\d\.\d{3})\.png$')


def load_tool(name):
    path = osp.join(ROOT, 'tools', 'analysis', f'{name}.py')
    spec = importlib.util.spec_from_file_location(f'kga_tool_{name}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_tool(name, tiny_kga, *args):
    load_tool(name).main(
        [tiny_kga.config, tiny_kga.checkpoint, '--device', 'cpu',
         *map(str, args)])


def assert_png(path, min_bytes=5000, min_size=(300, 200)):
    with open(path, 'rb') as f:
        data = f.read()
    assert data[:8] == PNG_SIGNATURE, path
    assert len(data) > min_bytes, path
    with Image.open(path) as img:
        assert img.width >= min_size[0] and img.height >= min_size[1]


def test_plot_attention(tiny_kga, tmp_path, capsys):
    out = tmp_path / 'attention'
    run_tool('plot_attention', tiny_kga, '--out', out, '--strips', 1,
             '--top-k', 2)
    strips = sorted(out.glob('attention_strip_*.png'))
    assert len(strips) == 1
    assert_png(strips[0], min_size=(500, 200))
    assert_png(out / 'attention_vs_distance.png')
    printed = capsys.readouterr().out
    assert re.search(r'Pearson r = (-?\d\.\d{3}|n/a) \(\d+ frames\)',
                     printed)


def test_plot_roc(tiny_kga, tmp_path, capsys):
    out = tmp_path / 'roc'
    run_tool('plot_roc', tiny_kga, '--out', out)
    assert_png(out / 'roc.png')
    with open(out / 'roc_scores.csv') as f:
        rows = list(csv.DictReader(f))
    assert {r['label'] for r in rows} == {'benign', 'malignant'}
    assert all(0 <= float(r['malignant_score']) <= 1 for r in rows)
    assert re.search(r'AUC = \d\.\d{4}; Youden threshold = ',
                     capsys.readouterr().out)


def test_plot_features(tiny_kga, tmp_path, capsys):
    out = tmp_path / 'features'
    run_tool('plot_features', tiny_kga, '--out', out, '--images', 4)
    assert_png(out / 'features_pca.png')
    assert re.search(r'\(4 images, \d+ video frames\)',
                     capsys.readouterr().out)


def test_export_keyframes(tiny_kga, tmp_path):
    out = tmp_path / 'keyframes'
    top_k = 3
    run_tool('export_keyframes', tiny_kga, '--out', out, '--top-k', top_k)
    videos = sorted(d for d in os.listdir(out) if osp.isdir(out / d))
    assert len(videos) == 2  # the val split of the synthetic BUSV
    for video in videos:
        names = sorted(os.listdir(out / video))
        assert len(names) == top_k
        parsed = [KEYFRAME_NAME.match(n).groups() for n in names]
        assert [int(rank) for rank, _, _ in parsed] == [1, 2, 3]
        weights = [float(w) for _, _, w in parsed]
        assert weights == sorted(weights, reverse=True)
        assert len({frame for _, frame, _ in parsed}) == top_k
        with Image.open(out / video / names[0]) as img:
            assert img.mode == 'RGB' and min(img.size) >= 16
    with open(out / 'keyframes.csv') as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == top_k * len(videos)
    for video in videos:
        mine = [r for r in rows if r['video_id'] == video]
        weights = [float(r['weight']) for r in mine]
        assert weights == sorted(weights, reverse=True)
        assert [int(r['rank']) for r in mine] == [1, 2, 3]
        for r in mine:
            assert osp.isfile(out / r['file'])
            assert f'_frame{int(r["frame_index"]):06d}_' in r['file']
            assert r['label'] in ('benign', 'malignant')
    # only the finished folder is left, no temporary sibling
    assert sorted(os.listdir(tmp_path)) == ['keyframes']
    # a non-empty output folder is not replaced without --overwrite
    with pytest.raises(FileExistsError, match='overwrite'):
        run_tool('export_keyframes', tiny_kga, '--out', out)


def test_export_keyframes_leaves_nothing_on_failure(tiny_kga, tmp_path):
    out = tmp_path / 'keyframes'
    with pytest.raises(FileNotFoundError):
        load_tool('export_keyframes').main([
            tiny_kga.config,
            str(tmp_path / 'missing.pth'), '--out',
            str(out), '--device', 'cpu'
        ])
    assert os.listdir(tmp_path) == []


def test_export_keyframes_refuses_nan_scores(tiny_kga, nan_checkpoint,
                                             tmp_path):
    with pytest.raises(SystemExit) as info:
        load_tool('export_keyframes').main([
            tiny_kga.config, nan_checkpoint, '--out',
            str(tmp_path / 'keyframes'), '--device', 'cpu'
        ])
    assert 'the model gave non-finite scores' in str(info.value.code)
    assert tiny_kga.busv in str(info.value.code)  # names the video folder
    assert os.listdir(tmp_path) == []
