"""kga_mmaction.tables.runs: work dirs and commands of a table's runs."""
import pytest

from kga_mmaction.tables import (Run, TableSettings, plan_runs, run_commands,
                                 shell_line)


def settings(seeds, num_folds, cfg_options=()):
    """A table of configs ``x/a.py`` and ``y/b.py``."""
    return TableSettings(
        configs=('x/a.py', 'y/b.py'), names=('a', 'b'), reference='b',
        seeds=seeds, num_folds=num_folds, fold_seed=7, bootstrap=10,
        bootstrap_seed=0, cfg_options=cfg_options, title='T')


@pytest.mark.parametrize('seeds, num_folds, work_dirs', [
    ((0, 1), None, ['a/seed0', 'a/seed1', 'b/seed0', 'b/seed1']),
    ((3, ), 2, ['a/fold0of2', 'a/fold1of2', 'b/fold0of2', 'b/fold1of2']),
    ((0, 1), 2, ['a/fold0of2-seed0', 'a/fold1of2-seed0', 'a/fold0of2-seed1',
                 'a/fold1of2-seed1', 'b/fold0of2-seed0', 'b/fold1of2-seed0',
                 'b/fold0of2-seed1', 'b/fold1of2-seed1']),
])
def test_plan_runs_names_a_work_dir_per_run(seeds, num_folds, work_dirs):
    runs = plan_runs(settings(seeds, num_folds, ('x=1', )), 'root')
    assert [r.work_dir for r in runs] == [f'root/{w}' for w in work_dirs]
    if num_folds:
        assert [r.fold for r in runs[:num_folds]] == list(range(num_folds))
        assert {(r.num_folds, r.fold_seed) for r in runs} == {(2, 7)}
    else:
        assert all(r.fold is None for r in runs)
    # what the commands need travels with each run
    assert {r.cfg_options for r in runs} == {('x=1', )}


def test_a_fold_run_trains_then_tests_on_its_fold_and_inner_val():
    run = Run('configs/a.py', 1, 'w/a/fold1of3', fold=1, num_folds=3,
              fold_seed=7, cfg_options=('x=1', ))
    train, test, inner_val = run_commands(run)
    folds = ['--folds', '3', '--fold', '1', '--fold-seed', '7']
    assert train == ['python', 'tools/train.py', 'configs/a.py',
                     '--work-dir', 'w/a/fold1of3', '--seed', '1', *folds,
                     '--cfg-options', 'x=1']
    assert test[test.index('--out-predictions') + 1] == (
        'w/a/fold1of3/predictions.csv')
    assert inner_val[-6:] == ['--fold-seed', '7', '--fold-part',
                              'inner_val', '--cfg-options', 'x=1']
    assert inner_val[inner_val.index('--out-predictions') + 1] == (
        'w/a/fold1of3/inner_val_predictions.csv')


def test_a_split_run_has_no_fold_options():
    commands = run_commands(Run('a.py', 0, 'w/a/seed0'))
    assert len(commands) == 2
    assert not any('--folds' in c or '--cfg-options' in c for c in commands)


def test_shell_line_reads_the_last_checkpoint():
    run = Run('a b.py', 0, 'w dir/seed0')
    _, test = run_commands(run)
    line = shell_line(test, run.work_dir)
    assert line.startswith("python tools/test.py 'a b.py' "
                           '"$(cat \'w dir/seed0/last_checkpoint\')" ')
