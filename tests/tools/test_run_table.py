"""tools/analysis/run_table.py: runs over seeds or folds, the table, resume.

Most tests replace ``subprocess.run`` by ``FakeTools``, which stands in for
``tools/train.py`` (it writes ``last_checkpoint``) and ``tools/test.py``
(it writes the predictions of the fold part that the command asks for,
through ``DumpPredictions``), so the table's pooling, thresholds and
tests are checked without training. One slow test trains for real.
"""
import json
import os.path as osp
import zlib

import numpy as np
import pytest
import torch
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric
from sklearn.metrics import brier_score_loss, roc_auc_score

from kga_mmaction.datasets.busv import cross_validation_parts
from kga_mmaction.datasets.busv.cross_validation import \
    DEFAULT_INNER_VAL_FRACTION
from kga_mmaction.evaluation import DumpPredictions
from kga_mmaction.evaluation.functional import (OperatingPoint, bootstrap_ci,
                                                delong_test, roc_analysis)
from builders import load_script
from runner_options import (DEMO, ROOT, cfg_options, make_tiny_data,
                            tiny_training_options)

TOOL = osp.join(ROOT, 'tools', 'analysis', 'run_table.py')
#: 12 benign and 18 malignant fake videos.
VIDEOS = {f'v{i:02d}': int(i >= 12) for i in range(30)}
#: How well each fake config separates the classes.
SIGNAL = {'other.py': 0.8, 'kga.py': 1.4}
FAKE_KEYFRAME_METRIC = 'FakeKeyframeMetric'


@pytest.fixture(scope='module')
def run_table():
    return load_script(TOOL, 'kga_run_table')


@METRICS.register_module(name=FAKE_KEYFRAME_METRIC, force=True)
class FakeKeyframeMetric(BaseMetric):
    """Stands in for the keyframe-localisation metric: the mean first frame
    weight."""
    default_prefix = 'keyframe'

    def process(self, data_batch, data_samples):
        self.results += [float(s['frame_weights'][0]) for s in data_samples]

    def compute_metrics(self, results):
        return dict(first_weight=float(np.mean(results)))


def fake_score(config, video, seed):
    """A score in [0, 1] with 3 decimals (float32 keeps their order)."""
    noise = np.random.default_rng(
        zlib.crc32(f'{config}/{video}/{seed}'.encode())).normal()
    logit = SIGNAL[config] * (2 * VIDEOS[video] - 1) + noise
    return round(float(1 / (1 + np.exp(-logit))), 3)


def option(command, name, default=None):
    return command[command.index(name) + 1] if name in command else default


def videos_of_part(folds, fold, fold_seed, part):
    """The videos of a fold part (all videos without folds)."""
    if folds is None:
        return list(VIDEOS)
    parts = cross_validation_parts(list(VIDEOS), list(VIDEOS.values()),
                                   int(folds), int(fold), int(fold_seed),
                                   DEFAULT_INNER_VAL_FRACTION)
    return [v for v, p in zip(VIDEOS, parts) if p == part]


class FakeTools:
    """``subprocess.run`` for tools/train.py and tools/test.py."""

    def __init__(self):
        self.calls = []

    def __call__(self, command, **kwargs):
        self.calls.append(command)
        script, config = osp.basename(command[1]), osp.basename(command[2])
        work_dir = option(command, '--work-dir')
        if script == 'train.py':
            with open(osp.join(work_dir, 'last_checkpoint'), 'w') as f:
                f.write(osp.join(work_dir, f'seed{option(command, "--seed")}'
                                 '.pth'))
            return
        seed = int(osp.basename(command[3])[len('seed'):-len('.pth')])
        videos = videos_of_part(option(command, '--folds'),
                               option(command, '--fold'),
                               option(command, '--fold-seed'),
                               option(command, '--fold-part', 'test'))
        dump = DumpPredictions(option(command, '--out-predictions'))
        samples = []
        for video in videos:
            score = fake_score(config, video, seed)
            sample = dict(pred_score=torch.tensor([1 - score, score]),
                          gt_label=torch.tensor([VIDEOS[video]]),
                          video_id=video)
            if config == 'kga.py':
                sample['frame_weights'] = torch.tensor([score, 1 - score])
            samples.append(sample)
        dump.process(None, samples)
        dump.compute_metrics(dump.results)


@pytest.fixture
def fake_tools(run_table, monkeypatch):
    tools = FakeTools()
    monkeypatch.setattr(run_table.subprocess, 'run', tools)
    monkeypatch.setattr(run_table, 'KEYFRAME_METRIC', FAKE_KEYFRAME_METRIC)
    return tools


def make_table(run_table, tmp_path, *args):
    out = tmp_path / 'table.md'
    run_table.main([
        '--configs', 'other.py', 'kga.py', '--names', 'Other', 'KGA-Net',
        '--work-root', str(tmp_path / 'runs'), '--out', str(out),
        '--title', 'Fake', *args
    ])
    return out.read_text()


def cells(table, name):
    """Header -> cell of a row."""
    lines = table.splitlines()
    header = next(line for line in lines if line.startswith('| Model |'))
    row = next(line for line in lines if line.startswith(f'| {name} |'))
    return dict(zip(header.strip('| ').split(' | '),
                    row.strip('| ').split(' | ')))


def mean_std(values):
    values = 100 * np.asarray(values)
    return f'{values.mean():.2f} +- {values.std():.2f}'


def test_folds_table(run_table, fake_tools, tmp_path):
    table = make_table(run_table, tmp_path, '--folds', '3', '--bootstrap',
                       '200')
    # out of fold: the test videos of fold 0, then fold 1, then fold 2
    out_of_fold = [v for fold in range(3)
                   for v in videos_of_part(3, fold, 0, 'test')]
    labels = np.array([VIDEOS[v] for v in out_of_fold])
    pooled = {}
    for config, name in (('other.py', 'Other'), ('kga.py', 'KGA-Net')):
        row = cells(table, name)
        scores = {v: fake_score(config, v, 0) for v in VIDEOS}
        fold_aucs, fixed_accs = [], []
        for fold in range(3):
            metrics = json.loads(
                (tmp_path / 'runs' / osp.splitext(config)[0] /
                 f'fold{fold}of3' / 'metrics.json').read_text())
            test = videos_of_part(3, fold, 0, 'test')
            inner = videos_of_part(3, fold, 0, 'inner_val')
            fold_aucs.append(roc_auc_score([VIDEOS[v] for v in test],
                                           [scores[v] for v in test]))
            # the honest threshold: the inner-validation Youden threshold
            threshold = roc_analysis([scores[v] for v in inner],
                                     [VIDEOS[v] for v in inner]).youden
            assert metrics['threshold@fixed'] == pytest.approx(
                threshold.threshold, abs=1e-6)
            at_threshold = OperatingPoint.at(
                np.array([scores[v] for v in test]),
                np.array([VIDEOS[v] for v in test]), threshold.threshold)
            assert metrics['acc@fixed'] == pytest.approx(at_threshold.acc)
            assert (metrics['fold'], metrics['num_videos']) == (fold, 10)
            fixed_accs.append(at_threshold.acc)
        assert row['AUC (%)'] == mean_std(fold_aucs)
        assert row['ACC (%) @inner-val thr.'] == mean_std(fixed_accs)
        pooled[name] = np.array([scores[v] for v in out_of_fold])
        auc = roc_auc_score(labels, pooled[name])
        (low, high), = bootstrap_ci(
            pooled[name], labels,
            lambda s, y: dict(auc=roc_analysis(s, y).auc), 200,
            seed=0)[0].values()
        assert row['Pooled OOF AUC (%) [95% CI]'] == (
            f'{100 * auc:.2f} [{100 * low:.2f}, {100 * high:.2f}]')
        assert row['Test videos'] == '30'
    p = delong_test(pooled['Other'], pooled['KGA-Net'], labels)[2]
    assert 0.001 < p < 1
    assert cells(table, 'Other')['p vs KGA-Net (DeLong)'] == f'{p:.3f}'
    assert cells(table, 'KGA-Net')['p vs KGA-Net (DeLong)'] == 'ref'
    # calibration columns exactly when BinaryDiagnosisMetric computes them
    calibrated = 'brier' in run_table.diagnosis_metrics(
        str(tmp_path / 'runs' / 'kga' / 'fold0of3' / 'predictions.csv'))
    assert ('Brier' in cells(table, 'KGA-Net')) == calibrated
    if calibrated:
        assert float(cells(table, 'KGA-Net')['Brier']) == pytest.approx(
            brier_score_loss(labels, pooled['KGA-Net']), abs=1e-3)
    # frame weights only from kga.py: its keyframe metric, n/a for the other
    first_weights = np.mean([fake_score('kga.py', v, 0) for v in VIDEOS])
    assert cells(table, 'KGA-Net')['keyframe/first_weight'] == (
        f'{first_weights:.3f}')
    assert cells(table, 'Other')['keyframe/first_weight'] == 'n/a'
    assert ('--folds 3 --fold 2 --fold-seed 0 --fold-part inner_val'
            in table)
    assert 'fold seed 0' in table and '200 resamples' in table


def test_resume_skips_finished_folds(run_table, fake_tools, tmp_path):
    args = ('--folds', '2', '--bootstrap', '20')
    make_table(run_table, tmp_path, *args)
    assert len(fake_tools.calls) == 2 * 2 * 3  # train, test, inner-val test
    run_dir = tmp_path / 'runs' / 'other' / 'fold1of2'
    metrics = json.loads((run_dir / 'metrics.json').read_text())
    first = json.loads(
        (run_dir.parent / 'fold0of2' / 'metrics.json').read_text())
    (run_dir / 'metrics.json').write_text(json.dumps(dict(metrics, auc=.5)))
    (tmp_path / 'runs' / 'kga' / 'fold0of2' / 'metrics.json').unlink()
    table = make_table(run_table, tmp_path, *args)
    # only the fold without metrics.json ran again
    assert len(fake_tools.calls) == 2 * 2 * 3 + 3
    assert all('kga.py' in call[2] and option(call, '--fold') == '0'
               for call in fake_tools.calls[-3:])
    assert cells(table, 'Other')['AUC (%)'] == mean_std([first['auc'], .5])


def test_seeds_table_has_a_delong_p_per_seed(run_table, fake_tools,
                                              tmp_path):
    table = make_table(run_table, tmp_path, '--seeds', '0', '1',
                       '--reference', 'Other')
    row = cells(table, 'KGA-Net')
    labels = list(VIDEOS.values())
    p = [
        delong_test(*[[fake_score(c, v, seed) for v in VIDEOS]
                      for c in ('kga.py', 'other.py')], labels)[2]
        for seed in (0, 1)
    ]
    assert row['p vs Other (DeLong)'] == ' / '.join(
        run_table.format_p(v) for v in p)
    assert cells(table, 'Other')['p vs Other (DeLong)'] == 'ref'
    aucs = [roc_auc_score(labels, [fake_score('kga.py', v, s)
                                   for v in VIDEOS]) for s in (0, 1)]
    assert row['AUC (%)'] == mean_std(aucs)
    assert 'Pooled OOF AUC' not in table and '@inner-val' not in table
    assert (tmp_path / 'runs' / 'kga' / 'seed1' / 'metrics.json').is_file()


@pytest.mark.parametrize('args, message', [
    (['--names', 'one'], '--names needs one name per config'),
    (['--reference', 'nope'], "--reference 'nope' is not a row name"),
    (['--folds', '1'], '--folds must be >= 2, got 1'),
])
def test_bad_arguments_are_refused(run_table, args, message, capsys):
    with pytest.raises(SystemExit):
        run_table.parse_args(['--configs', 'a.py', 'b.py', '--out', 't.md',
                              *args])
    assert message in capsys.readouterr().err


def test_default_reference_is_kga_net_else_the_last_row(run_table):
    def reference(*names):
        return run_table.parse_args(
            ['--configs', *(f'{n}.py' for n in names), '--names', *names,
             '--out', 't.md']).reference

    assert reference('KGA-Net', 'I3D') == 'KGA-Net'
    assert reference('I3D', 'CSN') == 'CSN'


@pytest.mark.slow
def test_two_folds_end_to_end(run_table, tmp_path):
    """Real training and testing on tiny data, 2 folds at a time."""
    data_root = make_tiny_data(tmp_path / 'data')
    out = tmp_path / 'table.md'
    run_table.main([
        '--configs', DEMO, '--names', 'KGA-Net', '--folds', '2', '--jobs',
        '2', '--bootstrap', '100', '--work-root', str(tmp_path / 'runs'),
        '--out', str(out), '--title', 'Tiny', '--cfg-options',
        *cfg_options(data_root, max_iters=1)[1:],
        *tiny_training_options()[1:],
        'test_dataloader.dataset.pipeline.2.scale=(32,32)'
    ])
    row = cells(out.read_text(), 'KGA-Net')
    assert row['p vs KGA-Net (DeLong)'] == 'ref'
    # the fold datasets carry the lesion areas to the predictions
    assert -1 <= float(row['keyframe/area_corr']) <= 1
    assert row['Test videos'] == '8'  # the folds cover every video
    stem = osp.splitext(osp.basename(DEMO))[0]
    for fold in range(2):
        run_dir = tmp_path / 'runs' / stem / f'fold{fold}of2'
        metrics = json.loads((run_dir / 'metrics.json').read_text())
        assert metrics['num_videos'] == 4 and metrics['inner_val_videos'] == 2
        assert 0 <= metrics['threshold@fixed'] <= 1
        assert (run_dir / 'inner_val_predictions.csv').is_file()
