"""Every config resolves to the dict committed in ``tests/config_snapshots/``.

A refactor of the configs (their bases, how a child edits a base pipeline)
must not change what any config means; this test says which config and
which keys changed. A change that is meant (a new default, another number
of workers) refreshes the snapshots, and their diff shows it:

    python tests/test_config_snapshots.py

(run from the repository root, with the package importable).
"""
import json
import os
import os.path as osp
import sys
from typing import Any, Iterator, Tuple

import pytest
from mmengine.config import Config

import kga_mmaction  # noqa: F401  (MMAction2's import shim, for test_configs)
from test_configs import CONFIG_DIR, CONFIGS, config_id

SNAPSHOT_DIR = osp.join(osp.dirname(osp.abspath(__file__)),
                        'config_snapshots')


def snapshot_path(config: str) -> str:
    """``tests/config_snapshots/<folder>/<config stem>.json``."""
    return osp.join(SNAPSHOT_DIR, config_id(config) + '.json')


def resolved(config: str) -> dict:
    """The config's resolved dict as JSON reads it back (tuples as lists).
    """
    return json.loads(json.dumps(Config.fromfile(config).to_dict()))


def differences(expected: Any, actual: Any,
                path: str = '') -> Iterator[Tuple[str, Any, Any]]:
    """``(key path, expected, actual)`` of every leaf that differs."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(expected.keys() | actual.keys()):
            yield from differences(expected.get(key, '<missing>'),
                                   actual.get(key, '<missing>'),
                                   f'{path}.{key}' if path else key)
    elif (isinstance(expected, list) and isinstance(actual, list)
          and len(expected) == len(actual)):
        for i, (old, new) in enumerate(zip(expected, actual)):
            yield from differences(old, new, f'{path}[{i}]')
    elif expected != actual:
        yield path, expected, actual


def test_every_config_has_a_snapshot():
    snapshots = {
        osp.relpath(osp.join(folder, name), SNAPSHOT_DIR)
        for folder, _, names in os.walk(SNAPSHOT_DIR) for name in names
    }
    assert snapshots == {config_id(c) + '.json' for c in CONFIGS}


@pytest.mark.parametrize('config', CONFIGS, ids=config_id)
def test_config_resolves_to_its_snapshot(config):
    with open(snapshot_path(config)) as f:
        expected = json.load(f)
    changed = list(differences(expected, resolved(config)))
    assert not changed, (
        f'{osp.relpath(config, CONFIG_DIR)} resolves differently from its '
        'snapshot (key, snapshot, now):\n' +
        '\n'.join(f'  {k}: {old!r} -> {new!r}' for k, old, new in changed) +
        f'\nIf this is meant: python {osp.relpath(__file__)}')


def write_snapshots() -> None:
    """Write every config's snapshot afresh (stale ones removed)."""
    for folder, _, names in os.walk(SNAPSHOT_DIR):
        for name in names:
            os.remove(osp.join(folder, name))
    for config in CONFIGS:
        path = snapshot_path(config)
        os.makedirs(osp.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            json.dump(resolved(config), f, indent=1, sort_keys=True)
            f.write('\n')
        print(f'wrote {osp.relpath(path)}')


if __name__ == '__main__':
    sys.exit(write_snapshots())
