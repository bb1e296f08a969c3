"""tools/analysis/*: figures and keyframes on synthetic BUSV/BUSI.

``plot_roc``, ``plot_attention`` and ``export_keyframes`` work from the
predictions that ``tools/test.py --out-predictions`` wrote
(``tiny_predictions``), ``plot_reliability`` from a dump of more videos
(``calibration_predictions``); ``plot_features`` runs the model. Each tool's
``main(argv)`` runs in this process (a subprocess per tool would spend most
of the time importing torch and mmaction).
"""
import csv
import importlib.util
import json
import os
import os.path as osp
import re

import mmaction.apis
import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.evaluator import Evaluator
from PIL import Image

import kga_mmaction.apis
from kga_mmaction.evaluation import evaluate_predictions, load_predictions

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
KEYFRAME_NAME = re.compile(r'^rank(\d\d)_frame(\d{6})_w(\d\.\d{3})\.png$')


def load_tool(name):
    path = osp.join(ROOT, 'tools', 'analysis', f'{name}.py')
    spec = importlib.util.spec_from_file_location(f'kga_tool_{name}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_tool(name, tiny_kga, predictions, *args):
    """A tool that reads predictions: ``CONFIG PREDICTIONS ARGS``."""
    load_tool(name).main([tiny_kga.config, str(predictions),
                          *map(str, args)])


def run_model_tool(name, tiny_kga, *args):
    """A tool that runs the model: ``CONFIG CHECKPOINT ARGS``."""
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


def test_plot_attention(tiny_kga, tiny_predictions, tmp_path, capsys):
    out = tmp_path / 'attention'
    run_tool('plot_attention', tiny_kga, tiny_predictions, '--out', out,
             '--strips', 1, '--top-k', 2)
    strips = sorted(out.glob('attention_strip_*.png'))
    assert len(strips) == 1
    assert_png(strips[0], min_size=(500, 200))
    assert_png(out / 'attention_vs_distance.png')
    printed = capsys.readouterr().out
    assert re.search(r'Pearson r = (-?\d\.\d{3}|n/a) \(\d+ frames\)',
                     printed)


def test_plot_roc(tiny_kga, tiny_predictions, tmp_path, capsys):
    out = tmp_path / 'roc'
    run_tool('plot_roc', tiny_kga, tiny_predictions, '--out', out)
    assert_png(out / 'roc.png')
    with open(out / 'roc_scores.csv') as f:
        rows = list(csv.DictReader(f))
    assert {r['label'] for r in rows} == {'benign', 'malignant'}
    assert all(0 <= float(r['malignant_score']) <= 1 for r in rows)
    # the probabilities of the predictions, video by video
    with open(tiny_predictions) as f:
        records = json.load(f)
    assert [(r['video_id'], float(r['malignant_score'])) for r in rows] == [
        (r['video_id'], pytest.approx(r['positive_score'], abs=1e-6))
        for r in records
    ]
    assert re.search(r'AUC = \d\.\d{4}; Youden threshold = ',
                     capsys.readouterr().out)


@pytest.fixture
def calibration_predictions(tmp_path):
    """A DumpPredictions ``.json`` of 40 videos with float32 logits, the
    malignant ones more likely malignant; some saturate (margin 20)."""
    rng = np.random.default_rng(0)
    samples = []
    for i in range(40):
        label = i % 2
        margin = rng.normal(2 * label - 1, 1.5) + 20 * (i % 7 == 0)
        logits = torch.tensor([0., margin], dtype=torch.float32)
        sample = ActionDataSample().set_gt_label(label)
        sample.set_pred_score(logits.softmax(-1))
        sample.pred_logits = logits
        sample.set_metainfo(dict(video_id=f'v{i:02d}'))
        samples.append(sample)
    path = tmp_path / 'calibration_predictions.json'
    evaluator = Evaluator(
        [dict(type='DumpPredictions', out_file_path=str(path))])
    evaluator.process(samples)
    evaluator.evaluate(len(samples))
    return path


@pytest.mark.parametrize('bins', [None, 4])
def test_plot_reliability(tiny_kga, calibration_predictions, tmp_path,
                          capsys, bins):
    out = tmp_path / 'reliability'
    options = [] if bins is None else ['--bins', bins]
    run_tool('plot_reliability', tiny_kga, calibration_predictions, '--out',
             out, *options)
    assert_png(out / 'reliability.png')
    with open(out / 'reliability_bins.csv') as f:
        rows = list(csv.DictReader(f))
    num_bins = 10 if bins is None else bins  # the metric's ece_bins
    assert [int(r['bin']) for r in rows] == list(range(num_bins))
    assert float(rows[0]['lower']) == 0 and float(rows[-1]['upper']) == 1
    assert sum(int(r['count']) for r in rows) == 40
    for r in rows:  # an empty bin has no mean and no fraction
        assert (r['mean_probability'] == '') == (int(r['count']) == 0)
        if r['mean_probability']:
            assert float(r['lower']) <= float(r['mean_probability']) <= \
                float(r['upper'])
            assert 0 <= float(r['malignant_fraction']) <= 1
    # the printed numbers are the metric's on the same predictions
    metrics = evaluate_predictions(
        load_predictions(str(calibration_predictions)),
        dict(type='BinaryDiagnosisMetric', ece_bins=num_bins))
    printed = re.search(r'Brier = (\d\.\d{4}); ECE = (\d\.\d{4}) '
                        rf'\({num_bins} equal-width bins\) over 40 videos',
                        capsys.readouterr().out)
    assert float(printed[1]) == pytest.approx(metrics['diagnosis/brier'],
                                              abs=5e-5)
    assert float(printed[2]) == pytest.approx(metrics['diagnosis/ece'],
                                              abs=5e-5)
    # the CSV's bins give that ECE
    filled = [r for r in rows if int(r['count'])]
    assert sum(int(r['count']) * abs(float(r['malignant_fraction']) -
                                     float(r['mean_probability']))
               for r in filled) / 40 == pytest.approx(
                   metrics['diagnosis/ece'], abs=1e-5)


def test_plot_features(tiny_kga, tmp_path, capsys):
    out = tmp_path / 'features'
    run_model_tool('plot_features', tiny_kga, '--out', out, '--images', 4)
    assert_png(out / 'features_pca.png')
    assert re.search(r'\(4 images, \d+ video frames\)',
                     capsys.readouterr().out)


def test_export_keyframes(tiny_kga, tiny_predictions, tmp_path):
    out = tmp_path / 'keyframes'
    top_k = 3
    run_tool('export_keyframes', tiny_kga, tiny_predictions, '--out', out,
             '--top-k', top_k)
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
        run_tool('export_keyframes', tiny_kga, tiny_predictions, '--out',
                 out)


def test_export_keyframes_leaves_nothing_on_failure(tiny_kga,
                                                    tiny_predictions,
                                                    tmp_path):
    out = tmp_path / 'out' / 'keyframes'
    with pytest.raises(FileNotFoundError, match='missing.json'):
        run_tool('export_keyframes', tiny_kga, tmp_path / 'missing.json',
                 '--out', out)
    assert os.listdir(tmp_path) == []
    # the second video's frames are gone: the first one's keyframes were
    # written, but only into the temporary folder, which is removed
    with open(tiny_predictions) as f:
        records = json.load(f)
    records[1]['frame_dir'] = str(tmp_path / 'moved')
    moved = tmp_path / 'moved.json'
    moved.write_text(json.dumps(records))
    with pytest.raises(FileNotFoundError, match='moved'):
        run_tool('export_keyframes', tiny_kga, moved, '--out', out)
    assert os.listdir(tmp_path / 'out') == []


@pytest.mark.parametrize('tool', ['export_keyframes', 'plot_roc',
                                  'plot_attention', 'plot_reliability'])
def test_tools_refuse_nan_predictions(tiny_kga, tiny_predictions, tmp_path,
                                      tool):
    """Predictions of a diverged model (NaN scores) stop the tool with a
    message naming the video folder, and nothing is written."""
    with open(tiny_predictions) as f:
        records = json.load(f)
    records[1]['pred_score'] = [float('nan')] * 2
    diverged = tmp_path / 'in' / 'diverged.json'
    diverged.parent.mkdir()
    diverged.write_text(json.dumps(records))
    out = tmp_path / 'out'
    with pytest.raises(SystemExit) as info:
        run_tool(tool, tiny_kga, diverged, '--out', out)
    message = str(info.value.code)
    assert 'the model gave non-finite scores' in message
    assert str(diverged) in message
    assert records[1]['frame_dir'] in message  # names the video folder
    assert records[1]['frame_dir'].startswith(tiny_kga.busv)
    assert not out.exists()


def test_tools_run_from_predictions_without_a_checkpoint(
        tiny_kga, tiny_predictions, tmp_path, monkeypatch, capsys):
    """The checkpoint that made the predictions is gone, and any attempt
    to build or load a model fails: the tools still write everything."""
    assert not [n for n in os.listdir(osp.dirname(tiny_predictions))
                if n.endswith('.pth')]

    def no_model(*args, **kwargs):
        raise AssertionError('the tool tried to run a model')

    monkeypatch.setattr(torch, 'load', no_model)
    monkeypatch.setattr(mmaction.apis, 'init_recognizer', no_model)
    monkeypatch.setattr(kga_mmaction.apis, 'init_kga_recognizer', no_model)
    run_tool('plot_roc', tiny_kga, tiny_predictions, '--out', tmp_path)
    run_tool('plot_attention', tiny_kga, tiny_predictions, '--out',
             tmp_path, '--strips', 2)
    run_tool('export_keyframes', tiny_kga, tiny_predictions, '--out',
             tmp_path / 'keyframes', '--top-k', 1)
    assert sorted(os.listdir(tmp_path)) == sorted([
        'roc.png', 'roc_scores.csv', 'attention_vs_distance.png',
        'keyframes'
    ] + [f'attention_strip_{r["video_id"]}.png'
         for r in json.load(open(tiny_predictions))])
    assert len(os.listdir(tmp_path / 'keyframes')) == 3  # 2 videos + CSV
    assert 'wrote 2 keyframes' in capsys.readouterr().out
