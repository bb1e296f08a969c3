"""tools/analysis/run_table.py: its command line. What the table computes
is tested on fake runs in tests/tables/; one slow test trains for real.
"""
import json
import os.path as osp

import pytest

from builders import load_script, table_cells
from kga_mmaction.tables import TableSettings
from runner_options import (DEMO, ROOT, cfg_options, make_tiny_data,
                            tiny_training_options)

TOOL = osp.join(ROOT, 'tools', 'analysis', 'run_table.py')


@pytest.fixture(scope='module')
def run_table():
    return load_script(TOOL, 'kga_run_table')


def test_main_makes_the_table_the_arguments_describe(run_table, tmp_path,
                                                     monkeypatch, capsys):
    made = []

    def make_table(settings, work_root, jobs):
        made.append((settings, work_root, jobs))
        return '# the table\n'

    monkeypatch.setattr(run_table, 'make_table', make_table)
    out = tmp_path / 'table.md'
    run_table.main([
        '--configs', 'x/i3d.py', 'y/kga.py', '--seeds', '1', '2', '--folds',
        '3', '--fold-seed', '4', '--bootstrap', '50', '--bootstrap-seed',
        '5', '--work-root', 'runs', '--out', str(out), '--title', 'T',
        '--jobs', '2', '--cfg-options', 'a=1', 'b=2', '--oracle-of', 'i3d'
    ])
    assert made == [(TableSettings(
        configs=('x/i3d.py', 'y/kga.py'), names=('i3d', 'kga'),
        reference='kga', seeds=(1, 2), num_folds=3, fold_seed=4,
        bootstrap=50, bootstrap_seed=5, cfg_options=('a=1', 'b=2'),
        title='T', oracle_of='i3d'), 'runs', 2)]
    assert out.read_text() == '# the table\n'
    assert '# the table' in capsys.readouterr().out


@pytest.mark.parametrize('args, message', [
    (['--names', 'one'], '--names needs one name per config'),
    (['--reference', 'nope'], "--reference 'nope' is not a row name"),
    (['--folds', '1'], '--folds must be >= 2, got 1'),
    (['--oracle-of', 'nope'], "--oracle-of 'nope' is not a row name"),
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
    row = table_cells(out.read_text(), 'KGA-Net')
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
