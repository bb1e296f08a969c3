"""tools/analysis/attention_collapse.py: the window where the attention
falls fastest, the term that drives it, and the verdict on a run."""
import json
import os.path as osp
import sys

import pytest

from runner_options import ROOT

sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
import attention_collapse  # noqa: E402


def record(it, logit_mean, prefix='attn/level_grad_', **grads):
    return {'iter': it, 'attn/logit_mean': logit_mean,
            **{f'{prefix}{k}': v for k, v in grads.items()}}


def test_driving_window_is_the_largest_move_and_the_term_pushing_it():
    records = [
        record(1, 0.0, loss_cls=0.1, loss_coherence=-0.3),
        # largest move: 20 -> 40 (-5); at 20 the video CE pushes every
        # logit down (positive level gradient), the coherence loss up
        record(20, -1.0, loss_cls=2.0, loss_coherence=-0.5),
        record(40, -6.0, loss_cls=0.2, loss_coherence=0.9),
        record(60, -7.0, loss_cls=0.0, loss_coherence=0.1),
    ]
    driver = attention_collapse.driving_window(records)
    assert (driver['start'], driver['end']) == (20, 40)
    assert driver['change'] == pytest.approx(-5.)
    assert (driver['term'], driver['by']) == ('loss_cls', 'level')
    # a rise is driven by the most negative level gradient
    rising = [record(1, 0.0, loss_cls=2.0, loss_coherence=-0.5),
              record(20, 4.0, loss_cls=0.0, loss_coherence=0.0)]
    assert attention_collapse.driving_window(rising)['term'] == \
        'loss_coherence'


def test_driving_window_falls_back_to_gradient_norms():
    records = [record(1, 0.0, prefix='attn/grad_', loss_cls=0.2,
                      loss_coherence=0.6),
               record(20, -3.0, prefix='attn/grad_', loss_cls=0.1,
                      loss_coherence=0.0)]
    driver = attention_collapse.driving_window(records)
    assert (driver['term'], driver['by']) == ('loss_coherence', 'norm')


def write_lines(path, records):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(''.join(json.dumps(r) + '\n' for r in records))


@pytest.mark.parametrize('mean,std,ce,alive,learns', [
    (0.4, 0.2, 0.3, True, True),
    (1e-4, 8e-5, 0.693, False, False),  # collapsed, at chance
    (0.97, 0.06, 0.5, False, True),  # saturated high
    (0.5, 0.01, 0.5, False, True),  # flat
])
def test_summary_verdicts(tmp_path, mean, std, ce, alive, learns):
    write_lines(tmp_path / '1' / 'vis_data' / 'scalars.json',
                [dict(loss=1., loss_cls=ce + 0.1, step=20),
                 dict(loss=1., loss_cls=ce - 0.1, step=40)])
    write_lines(tmp_path / '2' / '2.json', [{
        'diagnosis/auc': 0.7, 'attention/weight_mean': mean,
        'attention/weight_std': std
    }])
    summary = attention_collapse.summarise(str(tmp_path))
    assert summary['video_ce'] == pytest.approx(ce)
    assert (summary['alive'], summary['learns']) == (alive, learns)
