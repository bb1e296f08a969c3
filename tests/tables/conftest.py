"""The fake tools of :mod:`fake_table_runs` in place of ``subprocess.run``."""
import subprocess

import pytest

from fake_table_runs import FakeTools


@pytest.fixture
def fake_tools(monkeypatch):
    tools = FakeTools()
    monkeypatch.setattr(subprocess, 'run', tools)
    return tools
