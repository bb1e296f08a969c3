"""Train and test one config through ``tools/train.py`` and
``tools/test.py``, as a user would, and read back what the logs say."""
import os
import os.path as osp
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import List, Optional

from kga_mmaction.benchmark.builders import REPO_ROOT
from .configs import check_config
from .logs import (latest_run_dir, summarise_test, summarise_train,
                   test_iterations, train_records)

#: KGA-Net's extra test runs: name -> ``tools/test.py`` flags.
FAST_TESTS = (('fast', ['--fast']), ('fast+compile', ['--fast', '--compile']))


@dataclass
class CheckSettings:
    """What every model's check shares.

    Args:
        device (str): ``cuda`` or ``cpu``.
        data_root (str): The check's data (``make_synthetic.py`` layout).
        work_root (str): One work dir per model is made below it.
        iters (int): Training iterations per model.
        test_videos (int): Test videos per model.
        tiny (bool): Shrunk clips and batch (the CPU check of ``make test``).
        timeout_s (float): Limit of each train or test process.
        compile (bool): Also test KGA-Net with ``--fast --compile``.
    """
    device: str
    data_root: str
    work_root: str
    iters: int
    test_videos: int
    tiny: bool
    timeout_s: float
    compile: bool

    @property
    def amp(self) -> bool:
        """``--amp`` where it exists: mmengine's AmpOptimWrapper needs a
        GPU."""
        return self.device.startswith('cuda')

    def env(self) -> dict:
        """The child processes' environment (no GPU visible on ``cpu``)."""
        env = dict(os.environ)
        if not self.amp:
            env['CUDA_VISIBLE_DEVICES'] = ''
        env['PYTHONPATH'] = os.pathsep.join(
            p for p in (REPO_ROOT, env.get('PYTHONPATH')) if p)
        return env


def run_tool(argv: List[str], settings: CheckSettings,
             console_log: str) -> dict:
    """Run ``python tools/...`` with its output in ``console_log``.

    Returns:
        dict: ``returncode`` (None after a timeout), ``seconds`` and
        ``timed_out``.
    """
    start = time.perf_counter()
    with open(console_log, 'w') as log:
        try:
            code = subprocess.run([sys.executable, *argv], cwd=REPO_ROOT,
                                  env=settings.env(), stdout=log,
                                  stderr=subprocess.STDOUT,
                                  timeout=settings.timeout_s).returncode
        except subprocess.TimeoutExpired:
            code = None
    return dict(returncode=code, seconds=time.perf_counter() - start,
                timed_out=code is None)


def last_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint mmengine names in ``last_checkpoint``, if any."""
    path = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return f.read().strip() or None


def test_run(config: str, checkpoint: str, work_dir: str, flags: List[str],
             settings: CheckSettings) -> dict:
    """One ``tools/test.py`` run and its per-video times."""
    os.makedirs(work_dir, exist_ok=True)
    result = run_tool(['tools/test.py', config, checkpoint, '--work-dir',
                       work_dir, *flags], settings,
                      osp.join(work_dir, 'console.log'))
    run_dir = latest_run_dir(work_dir)
    result.update(summarise_test(test_iterations(run_dir)) if run_dir
                  else dict(videos=0))
    return result


def check_model(name: str, config: str, settings: CheckSettings) -> dict:
    """Train, then test, one paper config; KGA-Net also with ``--fast``
    (and ``--fast --compile``).

    Returns:
        dict: ``config``, ``work_dir``, ``train`` (the process result and
        :func:`~.logs.summarise_train`), ``test`` (name -> process result
        and :func:`~.logs.summarise_test`) and ``ok``.
    """
    slug = ''.join(c if c.isalnum() else '-' for c in name.lower())
    work_dir = osp.join(settings.work_root, slug)
    os.makedirs(work_dir, exist_ok=True)
    cfg = check_config(config, settings.data_root, settings.iters,
                       settings.test_videos, settings.tiny)
    check_cfg = osp.join(work_dir, 'check_config.py')
    cfg.dump(check_cfg)
    train = run_tool(['tools/train.py', check_cfg, '--work-dir', work_dir,
                      '--no-validate', *(['--amp'] if settings.amp else [])],
                     settings, osp.join(work_dir, 'train_console.log'))
    run_dir = latest_run_dir(work_dir)
    train.update(summarise_train(train_records(run_dir)) if run_dir
                 else dict(iterations=0))
    row = dict(config=osp.relpath(config, REPO_ROOT), work_dir=work_dir,
               amp=settings.amp, train=train, test={})
    checkpoint = last_checkpoint(work_dir)
    if train['returncode'] == 0 and checkpoint:
        runs = [('fp32', [])]
        if name == 'KGA-Net':
            runs += [r for r in FAST_TESTS
                     if settings.compile or '--compile' not in r[1]]
        for test_name, flags in runs:
            row['test'][test_name] = test_run(
                check_cfg, checkpoint, osp.join(work_dir, f'test-{test_name}'),
                flags, settings)
    row['ok'] = (train['returncode'] == 0 and train['iterations'] > 0
                 and all(train['losses_finite'].values()) and bool(row['test'])
                 and all(t['returncode'] == 0 and t['videos'] > 0
                         for t in row['test'].values()))
    return row
