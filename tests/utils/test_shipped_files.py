"""shipped_path and tool_command: the configs and tools of an installed
package or of a checkout, from any working directory."""
import sys

import pytest

from kga_mmaction.utils import shipped_files
from kga_mmaction.utils.shipped_files import shipped_path, tool_command


def touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('')
    return str(path)


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """A package in site-packages: configs/ and tools/ only in .mim/."""
    package = tmp_path / 'site-packages' / 'kga_mmaction'
    monkeypatch.setattr(shipped_files, 'PACKAGE_DIR', str(package))
    return package / '.mim'


def test_an_installed_package_ships_its_tools_and_configs(installed):
    tool = touch(installed / 'tools' / 'train.py')
    assert shipped_path('tools/train.py') == tool
    with pytest.raises(FileNotFoundError, match='tools/test.py is not in'):
        shipped_path('tools/test.py')


def test_a_checkout_uses_its_own_files_not_a_stale_copy(tmp_path,
                                                        monkeypatch):
    checkout = tmp_path / 'repo'
    monkeypatch.setattr(shipped_files, 'PACKAGE_DIR',
                        str(checkout / 'kga_mmaction'))
    touch(checkout / 'setup.py')
    own = touch(checkout / 'tools' / 'train.py')
    touch(checkout / 'kga_mmaction' / '.mim' / 'tools' / 'train.py')
    assert shipped_path('tools/train.py') == own


def test_a_tool_command_runs_from_any_directory(installed, tmp_path,
                                                monkeypatch):
    tool = touch(installed / 'tools' / 'train.py')
    config = touch(installed / 'configs' / 'demo' / 'a.py')
    touch(tmp_path / 'here' / 'configs' / 'mine.py')
    monkeypatch.chdir(tmp_path / 'here')
    assert tool_command([
        'python', 'tools/train.py', 'configs/demo/a.py', '--work-dir', 'w',
        '--cfg-options', 'x=1'
    ]) == [sys.executable, tool, config, '--work-dir', 'w', '--cfg-options',
           'x=1']
    # a config of the working directory is not replaced
    assert tool_command(['python', 'tools/train.py',
                         'configs/mine.py'])[2] == 'configs/mine.py'
