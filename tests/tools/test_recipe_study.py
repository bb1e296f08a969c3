"""tools/analysis/recipe_study.py: the logs of a run become the report's
numbers."""
import json
import os.path as osp
import sys

import pytest

from runner_options import ROOT

sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
import recipe_study  # noqa: E402


def write_lines(path, records):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(''.join(json.dumps(r) + '\n' for r in records))


def test_curves_and_test_metrics_are_read_from_the_run(tmp_path):
    train = [dict(loss=4. - i, loss_cls=0.7 - 0.1 * i, top1_acc=0.5 + 0.1 * i,
                  step=20 * (i + 1)) for i in range(3)]
    write_lines(tmp_path / '20260101_000000' / 'vis_data' / 'scalars.json',
                [dict(lr=0.1, step=1)] + train)
    val = {'diagnosis/auc': 0.5, 'diagnosis/acc@youden': 0.5,
           'diagnosis/threshold@youden': 0.5, 'step': 60}
    write_lines(tmp_path / '20260101_000000' / '20260101_000000.json', [val])
    test = {'diagnosis/auc': 0.8, 'diagnosis/acc@youden': 0.75,
            'diagnosis/threshold@youden': 0.6, 'attention/pearson_r': -0.5,
            'attention/weight_mean': 0.3, 'attention/weight_std': 0.1}
    write_lines(tmp_path / '20260101_010000' / '20260101_010000.json', [test])

    curves = recipe_study.train_curves(str(tmp_path))
    assert [c['step'] for c in curves] == [20, 40, 60]
    # the test run's metrics, not those of the validation during training
    metrics = recipe_study.test_metrics(str(tmp_path))
    assert metrics['diagnosis/auc'] == 0.8
    summary = recipe_study.summarise(curves, metrics)
    # losses: the mean of the last two logging windows
    assert summary['loss_cls'] == pytest.approx((0.6 + 0.5) / 2)
    assert summary['top1_acc'] == pytest.approx((0.6 + 0.7) / 2)
    assert (summary['auc'], summary['pearson_r']) == (0.8, -0.5)
    assert 'loss_coherence' not in summary  # a term the run did not log
