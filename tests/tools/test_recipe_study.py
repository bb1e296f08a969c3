"""tools/analysis/recipe_study.py: the pretraining proxy loads as torchvision
weights do, and the logs of a run become the report's numbers."""
import json
import os.path as osp
import sys

import numpy as np
import pytest
import torch
from mmaction.registry import MODELS

from runner_options import ROOT, make_tiny_data

sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
import recipe_study  # noqa: E402


@pytest.mark.slow
def test_the_proxy_checkpoint_loads_through_pretrained(tmp_path):
    data_root = make_tiny_data(tmp_path / 'data')
    out = tmp_path / 'proxy.pth'
    stats = recipe_study.pretrain_proxy(
        str(data_root / 'Dataset_BUSI_with_GT'), str(out), iters=2,
        frame_size=32, batch_size=4, classes=('benign', 'malignant'))
    assert stats['iters'] == 2 and np.isfinite(stats['loss'])
    # a plain state dict: loads with weights_only, as a download would
    state = torch.load(out, weights_only=True)
    backbone = MODELS.build(
        dict(type='ResNet', depth=50, pretrained=str(out), norm_eval=False))
    backbone.init_weights()
    torch.testing.assert_close(backbone.conv1.conv.weight,
                               state['conv1.weight'])
    torch.testing.assert_close(backbone.layer4[2].conv3.bn.running_var,
                               state['layer4.2.bn3.running_var'])
    with pytest.raises(ValueError, match='fewer than one batch of 64'):
        recipe_study.pretrain_proxy(
            str(data_root / 'Dataset_BUSI_with_GT'), str(out), iters=1,
            batch_size=64, classes=('benign', 'malignant'))


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
