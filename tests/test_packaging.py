"""setup.py declares what the code imports; mim finds the configs and tools.
"""
import ast
import glob
import importlib.metadata
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from builders import table_cells
from runner_options import (DEMO, ROOT, cfg_options, make_tiny_data,
                            tiny_training_options)

#: Where an import of the project's own code can come from.
OWN = {'kga_mmaction', 'run_table', 'builders', 'runner_options'}
#: ``type='mmpretrain.ResNet'`` in a config imports ``mmpretrain``.
SCOPED_TYPE = re.compile(r"""type=['"]([a-z_]+)\.[A-Za-z]""")


def declared_requirements() -> set:
    """Normalised distribution names of install_requires and the mim and
    deploy extras."""
    names = set()
    for name in ('runtime.txt', 'mminstall.txt', 'deploy.txt'):
        with open(osp.join(ROOT, 'requirements', name)) as f:
            for line in f:
                line = line.split('#')[0].strip()
                if line:
                    names.add(normalise(re.split(r'[<>=!~;\[ ]', line)[0]))
    return names


def normalise(name: str) -> str:
    return re.sub(r'[-_.]+', '-', name).lower()


def imported_modules() -> dict:
    """Top-level module -> first file importing it, over the package, the
    tools and the configs."""
    modules = {}
    files = [
        f for pattern in ('kga_mmaction/**/*.py', 'tools/**/*.py',
                          'configs/**/*.py')
        for f in glob.glob(osp.join(ROOT, pattern), recursive=True)
    ]
    for path in sorted(files):
        with open(path) as f:
            source = f.read()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split('.')[0]
                # a tool's sibling script (tools/analysis/*.py) is local
                if not osp.isfile(osp.join(osp.dirname(path), top + '.py')):
                    modules.setdefault(top, path)
        for scope in SCOPED_TYPE.findall(source):
            modules.setdefault(scope, path)
    return modules


def test_setup_declares_every_imported_distribution():
    """Each third-party module the code or a config imports comes from a
    distribution that requirements/runtime.txt, mminstall.txt or deploy.txt
    declares
    (a module also counts as declared under its own name: ``mmcv``, which
    mmcv-lite provides here)."""
    declared = declared_requirements()
    providers = importlib.metadata.packages_distributions()
    undeclared = {}
    for module, path in imported_modules().items():
        if module in sys.stdlib_module_names or module in OWN:
            continue
        candidates = {normalise(d) for d in providers.get(module, [])}
        if not (candidates | {normalise(module)}) & declared:
            undeclared[module] = osp.relpath(path, ROOT)
    assert not undeclared, f'imported but not declared: {undeclared}'
    assert {'mmpretrain', 'mmcv'} <= declared


@pytest.fixture(scope='module')
def installed(tmp_path_factory) -> Path:
    """The folder that ``pip install --target`` (a regular install, not an
    editable one) put the package into, from a copy of the checkout (the
    build writes ``kga_mmaction/.mim`` and ``build/`` next to its source).
    """
    root = tmp_path_factory.mktemp('installed')
    source = root / 'src'
    for name in ('kga_mmaction', 'configs', 'tools', 'requirements'):
        shutil.copytree(osp.join(ROOT, name), source / name, symlinks=False,
                        ignore=shutil.ignore_patterns('.mim', '__pycache__'))
    for name in ('setup.py', 'README.md'):
        shutil.copy(osp.join(ROOT, name), source / name)
    site = root / 'site'
    subprocess.run([
        sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps',
        '--no-build-isolation', '--target', str(site), str(source)
    ], check=True, capture_output=True, timeout=600)
    return site


def run_installed(site: Path, cwd: Path, *args: str) -> str:
    """``python ARGS`` in ``cwd`` with only the installed package on the
    path; its output (the run must succeed)."""
    env = {**os.environ, 'PYTHONPATH': str(site), 'CUDA_VISIBLE_DEVICES': '',
           'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1'}
    result = subprocess.run([sys.executable, *args], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (result.stdout[-3000:] +
                                    result.stderr[-3000:])
    return result.stdout + result.stderr


@pytest.mark.slow
def test_mim_train_and_test_after_a_regular_install(installed, tmp_path):
    """After ``pip install .`` (the README's install mode for mim), ``mim
    train kga_mmaction CONFIG`` finds the config by its name in the
    installed package and trains; ``mim test`` tests the checkpoint."""
    site = installed
    assert osp.isfile(site / 'kga_mmaction' / '.mim' / 'configs' / 'demo' /
                      osp.basename(DEMO))
    data = make_tiny_data(tmp_path / 'data')
    work_dir = tmp_path / 'work'
    options = [*cfg_options(data, max_iters=1), '--work-dir', str(work_dir)]

    def mim(*args):
        return run_installed(site, tmp_path, '-m', 'mim', *args)

    log = mim('train', 'kga_mmaction', osp.basename(DEMO), *options)
    shipped = osp.join(site, 'kga_mmaction', '.mim', 'configs', 'demo',
                       osp.basename(DEMO))
    assert f'will use {shipped} instead' in log
    assert osp.isfile(work_dir / 'iter_1.pth')
    log = mim('test', 'kga_mmaction', osp.basename(DEMO), '--checkpoint',
              str(work_dir / 'iter_1.pth'), *options)
    assert 'diagnosis/auc: ' in log


@pytest.mark.slow
def test_run_table_from_any_directory_after_a_regular_install(
        installed, tmp_path):
    """The installed ``tools/analysis/run_table.py``, run outside the
    checkout, trains (1 iteration) and tests one run with the installed
    package's ``tools/train.py`` and ``tools/test.py`` and the demo config
    it ships, named from the repository root, on data that the shipped
    ``tools/data/make_synthetic.py`` writes."""
    site, here = installed, tmp_path
    tools = site / 'kga_mmaction' / '.mim' / 'tools'
    assert run_installed(site, here, '-c', 'import kga_mmaction; '
                         'print(kga_mmaction.__file__)').startswith(str(site))
    run_installed(site, here, str(tools / 'data' / 'make_synthetic.py'),
                  '--preset', 'busv-like', '--videos-per-class', '2',
                  '--frames', '8', '8', '--images-per-class', '4',
                  '--normal-images', '0', '--out', 'data')
    config = osp.relpath(DEMO, ROOT)  # configs/demo/..., not in this folder
    assert not osp.exists(here / config)
    run_installed(
        site, here, str(tools / 'analysis' / 'run_table.py'), '--configs',
        config, '--names', 'KGA-Net', '--bootstrap', '10', '--work-root',
        'runs', '--out', 'table.md', '--cfg-options',
        *cfg_options(Path('data'), max_iters=1)[1:],
        *tiny_training_options()[1:],
        'test_dataloader.dataset.pipeline.2.scale=(32,32)')
    run_dir = here / 'runs' / osp.splitext(osp.basename(DEMO))[0] / 'seed0'
    assert (run_dir / 'iter_1.pth').is_file()
    metrics = json.loads((run_dir / 'metrics.json').read_text())
    assert metrics['num_videos'] == 2  # the val videos, one per class
    assert 0 <= metrics['auc'] <= 1
    assert table_cells((here / 'table.md').read_text(),
                       'KGA-Net')['Test videos'] == '2'
