"""setup.py declares what the code imports; mim finds the configs and tools.
"""
import ast
import glob
import importlib.metadata
import os
import os.path as osp
import re
import shutil
import subprocess
import sys

import pytest

from runner_options import DEMO, ROOT, cfg_options, make_tiny_data

#: Where an import of the project's own code can come from.
OWN = {'kga_mmaction', 'run_table', 'builders', 'runner_options'}
#: ``type='mmpretrain.ResNet'`` in a config imports ``mmpretrain``.
SCOPED_TYPE = re.compile(r"""type=['"]([a-z_]+)\.[A-Za-z]""")


def declared_requirements() -> set:
    """Normalised distribution names of install_requires and the mim
    extra."""
    names = set()
    for name in ('runtime.txt', 'mminstall.txt'):
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
    distribution that requirements/runtime.txt or mminstall.txt declares
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


@pytest.mark.slow
def test_mim_train_and_test_after_a_regular_install(tmp_path):
    """After ``pip install .`` (the README's install mode for mim), ``mim
    train kga_mmaction CONFIG`` finds the config by its name in the
    installed package and trains; ``mim test`` tests the checkpoint."""
    source = tmp_path / 'src'
    for name in ('kga_mmaction', 'configs', 'tools', 'requirements'):
        shutil.copytree(osp.join(ROOT, name), source / name, symlinks=False,
                        ignore=shutil.ignore_patterns('.mim', '__pycache__'))
    for name in ('setup.py', 'README.md'):
        shutil.copy(osp.join(ROOT, name), source / name)
    site = tmp_path / 'site'
    subprocess.run([
        sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps',
        '--no-build-isolation', '--target', str(site), str(source)
    ], check=True, capture_output=True, timeout=600)
    assert osp.isfile(site / 'kga_mmaction' / '.mim' / 'configs' / 'demo' /
                      osp.basename(DEMO))
    data = make_tiny_data(tmp_path / 'data')
    work_dir = tmp_path / 'work'
    env = {**os.environ, 'PYTHONPATH': str(site)}
    options = [*cfg_options(data, max_iters=1), '--work-dir', str(work_dir)]

    def mim(*args):
        result = subprocess.run([sys.executable, '-m', 'mim', *args],
                                cwd=tmp_path, env=env, capture_output=True,
                                text=True, timeout=600)
        assert result.returncode == 0, (result.stdout[-3000:] +
                                        result.stderr[-3000:])
        return result.stdout + result.stderr

    log = mim('train', 'kga_mmaction', osp.basename(DEMO), *options)
    installed = osp.join(site, 'kga_mmaction', '.mim', 'configs', 'demo',
                         osp.basename(DEMO))
    assert f'will use {installed} instead' in log
    assert osp.isfile(work_dir / 'iter_1.pth')
    log = mim('test', 'kga_mmaction', osp.basename(DEMO), '--checkpoint',
              str(work_dir / 'iter_1.pth'), *options)
    assert 'diagnosis/auc: ' in log
