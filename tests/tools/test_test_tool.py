"""tools/test.py: what it merges into the config before the Runner runs."""
import importlib.util
import json
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator

from builders import make_sample
from runner_options import DEMO, ROOT

TEST = osp.join(ROOT, 'tools', 'test.py')


def merged_test_cfg(monkeypatch, *flags):
    """The demo config as ``tools/test.py DEMO ckpt *flags`` merges it."""
    spec = importlib.util.spec_from_file_location('kga_test_tool', TEST)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    monkeypatch.setattr(sys, 'argv', [TEST, DEMO, 'ckpt.pth', *flags])
    return tool.merge_args(Config.fromfile(DEMO), tool.parse_args())


def test_predictions_are_written_before_a_failing_metric(
        monkeypatch, tmp_path):
    """A metric that fails (here: one class only) no longer discards the
    predictions: the dumps run first."""
    out = tmp_path / 'preds.json'
    cfg = merged_test_cfg(monkeypatch, '--out-predictions', str(out))
    assert cfg.load_from is None  # tools/test.py loads it strictly itself
    assert cfg.test_evaluator[0].type == 'DumpPredictions'
    evaluator = Evaluator(cfg.test_evaluator)
    evaluator.dataset_meta = dict(classes=('benign', 'malignant'))
    samples = []
    for score in (0.2, 0.9):
        sample = make_sample(1)
        sample.set_pred_score(torch.tensor([1 - score, score]))
        sample.set_metainfo(dict(video_id=f'v{score}'))
        samples.append(sample)
    evaluator.process(samples)
    with pytest.raises(ValueError, match='needs positive and negative'):
        evaluator.evaluate(len(samples))
    rows = json.loads(out.read_text())
    assert [r['video_id'] for r in rows] == ['v0.2', 'v0.9']
