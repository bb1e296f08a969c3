"""tools/data/check_dataset.py: the report and the exit code."""
import importlib.util
import os
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CLI = osp.join(REPO, 'tools', 'data', 'check_dataset.py')


@pytest.fixture(scope='module')
def cli():
    spec = importlib.util.spec_from_file_location('check_dataset', CLI)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_ok(cli, busv_root, busi_root, capsys):
    assert cli.main(['--busv', busv_root, '--busi', busi_root]) == 0
    out = capsys.readouterr().out
    assert 'BUSV: no problems' in out and 'BUSI: no problems' in out
    assert 'official' in out and 'clean' in out and '670x670' in out
    assert 'I;16: 1' in out


def test_cli_reports_problems_and_exits_1(cli, busv_root, busi_root, tmp_path,
                                          capsys):
    missing = osp.join(busv_root, 'rawframes', 'benign', 'x28f299ceb056964c',
                       '000000.png')
    os.remove(missing)
    assert cli.main(['--busv', busv_root, '--busi', busi_root]) == 1
    out = capsys.readouterr().out
    assert f'missing_frame: {missing}' in out
    assert 'BUSI: no problems' in out
    assert cli.main(['--busi', str(tmp_path / 'nothing')]) == 1
    assert 'cannot check' in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main([])


def test_cli_script_exit_code(busv_root):
    corrupt = osp.join(busv_root, 'rawframes', 'malignant',
                       'x3b88488853e8b7d1', '000002.png')
    with open(corrupt, 'wb') as f:
        f.write(b'garbage')
    env = dict(os.environ, PYTHONPATH=REPO)
    proc = subprocess.run([sys.executable, CLI, '--busv', busv_root, '--deep'],
                          capture_output=True,
                          text=True,
                          env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f'unreadable_file: {corrupt}' in proc.stdout
