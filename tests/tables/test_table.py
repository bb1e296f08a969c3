"""kga_mmaction.tables.make_table on fake runs (:mod:`fake_table_runs`):
runs over folds or seeds, the table's numbers, resume."""
import json
import os.path as osp

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss, roc_auc_score

from builders import table_cells
from fake_table_runs import (VIDEOS, fake_frame_weights, fake_lesion_areas,
                             fake_oracle_log_odds, fake_score,
                             make_fake_table, mean_std, option,
                             videos_of_part)
from kga_mmaction.evaluation.functional import (OperatingPoint, bootstrap_ci,
                                                delong_test, roc_analysis)
from kga_mmaction.tables import format_p


def keyframe_localisation(scores):
    """Mean correlation of frame weight and lesion area, and mean share of
    the 4 most attended frames among the 4 largest, over the videos."""
    corrs, overlaps = [], []
    for video, score in scores.items():
        weights = fake_frame_weights(score)
        areas = fake_lesion_areas(video)
        corrs.append(np.corrcoef(weights, areas)[0, 1])
        # equal weights: the earlier frame first; the areas are distinct
        attended = np.argsort(-weights, kind='stable')[:4]
        largest = np.argsort(-areas)[:4]
        overlaps.append(len(set(attended) & set(largest)) / 4)
    return np.mean(corrs), np.mean(overlaps)


def test_folds_table(fake_tools, tmp_path):
    table = make_fake_table(tmp_path, num_folds=3, bootstrap=200)
    # out of fold: the test videos of fold 0, then fold 1, then fold 2
    out_of_fold = [v for fold in range(3)
                   for v in videos_of_part(3, fold, 0, 'test')]
    labels = np.array([VIDEOS[v] for v in out_of_fold])
    pooled = {}
    for config, name in (('other.py', 'Other'), ('kga.py', 'KGA-Net')):
        row = table_cells(table, name)
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
        # calibration of the pooled out-of-fold predictions
        assert float(row['Brier']) == pytest.approx(
            brier_score_loss(labels, pooled[name]), abs=1e-3)
    p = delong_test(pooled['Other'], pooled['KGA-Net'], labels)[2]
    assert 0.001 < p < 1
    column = 'p vs KGA-Net (DeLong)'
    assert table_cells(table, 'Other')[column] == f'{p:.3f}'
    assert table_cells(table, 'KGA-Net')[column] == 'ref'
    # frame weights only from kga.py: its keyframe localisation, n/a for
    # the other
    area_corr, overlap = keyframe_localisation(
        {v: fake_score('kga.py', v, 0) for v in VIDEOS})
    kga = table_cells(table, 'KGA-Net')
    assert float(kga['keyframe/area_corr']) == pytest.approx(area_corr,
                                                             abs=6e-4)
    assert float(kga['keyframe/top4_overlap']) == pytest.approx(overlap,
                                                                abs=6e-4)
    assert table_cells(table, 'Other')['keyframe/area_corr'] == 'n/a'
    assert ('--folds 3 --fold 2 --fold-seed 0 --fold-part inner_val'
            in table)
    assert 'fold seed 0' in table and '200 resamples' in table


def test_resume_skips_finished_folds(fake_tools, tmp_path):
    make_fake_table(tmp_path, num_folds=2, bootstrap=20)
    assert len(fake_tools.calls) == 2 * 2 * 3  # train, test, inner-val test
    run_dir = tmp_path / 'runs' / 'other' / 'fold1of2'
    metrics = json.loads((run_dir / 'metrics.json').read_text())
    first = json.loads(
        (run_dir.parent / 'fold0of2' / 'metrics.json').read_text())
    (run_dir / 'metrics.json').write_text(json.dumps(dict(metrics, auc=.5)))
    (tmp_path / 'runs' / 'kga' / 'fold0of2' / 'metrics.json').unlink()
    table = make_fake_table(tmp_path, num_folds=2, bootstrap=20)
    # only the fold without metrics.json ran again
    assert len(fake_tools.calls) == 2 * 2 * 3 + 3
    assert all('kga.py' in call[2] and option(call, '--fold') == '0'
               for call in fake_tools.calls[-3:])
    assert table_cells(table, 'Other')['AUC (%)'] == mean_std(
        [first['auc'], .5])


def test_seeds_table_has_a_delong_p_per_seed(fake_tools, tmp_path):
    table = make_fake_table(tmp_path, seeds=(0, 1), reference='Other')
    row = table_cells(table, 'KGA-Net')
    labels = list(VIDEOS.values())
    p = [
        delong_test(*[[fake_score(c, v, seed) for v in VIDEOS]
                      for c in ('kga.py', 'other.py')], labels)[2]
        for seed in (0, 1)
    ]
    assert row['p vs Other (DeLong)'] == ' / '.join(format_p(v) for v in p)
    assert table_cells(table, 'Other')['p vs Other (DeLong)'] == 'ref'
    aucs = [roc_auc_score(labels, [fake_score('kga.py', v, s)
                                   for v in VIDEOS]) for s in (0, 1)]
    assert row['AUC (%)'] == mean_std(aucs)
    assert 'Pooled OOF AUC' not in table and '@inner-val' not in table
    assert (tmp_path / 'runs' / 'kga' / 'seed1' / 'metrics.json').is_file()


ORACLE = "oracle (lesion-area weights on KGA-Net's features)"


def test_oracle_row_rescores_the_source_rows_predictions(fake_tools,
                                                         tmp_path):
    table = make_fake_table(tmp_path, num_folds=3, bootstrap=200,
                            oracle_of='KGA-Net')
    assert len(fake_tools.calls) == 2 * 3 * 3  # the oracle runs nothing
    out_of_fold = [v for fold in range(3)
                   for v in videos_of_part(3, fold, 0, 'test')]
    labels = np.array([VIDEOS[v] for v in out_of_fold])
    oracle = np.array([fake_oracle_log_odds(v, 0) for v in out_of_fold])
    row = table_cells(table, ORACLE)
    auc = roc_auc_score(labels, oracle)
    (low, high), = bootstrap_ci(
        oracle, labels, lambda s, y: dict(auc=roc_analysis(s, y).auc), 200,
        seed=0)[0].values()
    assert row['Pooled OOF AUC (%) [95% CI]'] == (
        f'{100 * auc:.2f} [{100 * low:.2f}, {100 * high:.2f}]')
    fold_aucs = []
    for fold in range(3):
        test = videos_of_part(3, fold, 0, 'test')
        fold_aucs.append(roc_auc_score(
            [VIDEOS[v] for v in test],
            [fake_oracle_log_odds(v, 0) for v in test]))
    assert row['AUC (%)'] == mean_std(fold_aucs)
    kga = np.array([fake_score('kga.py', v, 0) for v in out_of_fold])
    p = delong_test(oracle, kga, labels)[2]
    assert row['p vs KGA-Net (DeLong)'] == format_p(p)
    # calibration of sigmoid(log-odds)
    assert float(row['Brier']) == pytest.approx(
        brier_score_loss(labels, 1 / (1 + np.exp(-oracle))), abs=1e-3)
    # its weights are the areas: no localisation number to report
    assert row['keyframe/area_corr'] == row['keyframe/top4_overlap'] == \
        'oracle'
    assert table_cells(table, 'KGA-Net')['keyframe/area_corr'] != 'oracle'
    assert row['Test videos'] == '30'
    assert f'* {ORACLE}: a control row' in table


def test_oracle_of_a_row_without_frame_video_logits_names_the_file(
        fake_tools, tmp_path):
    with pytest.raises(ValueError,
                       match=r'other/fold0of2/\w+\.csv: v\d+: no '
                       'frame_video_logits'):
        make_fake_table(tmp_path, num_folds=2, bootstrap=20,
                        oracle_of='Other')
