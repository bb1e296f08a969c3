"""WorkDirLockHook: a second training run on a work dir that a live run
holds fails at start, naming the holder; a stale lock is taken over."""
import json
import os
import socket
import subprocess
import sys
import types

import pytest
from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.runner.priority import get_priority

from kga_mmaction.engine import WorkDirLockedError
from runner_options import (DEMO, ROOT, cfg_options, make_tiny_data,
                            output_tail, run_python)
from toy_training import FailAtIter, toy_runner

TOY_TRAINING = os.path.join(ROOT, 'tests', 'engine', 'toy_training.py')


@pytest.fixture
def live_pid():
    """The pid of a process of this host that runs until the test ends."""
    process = subprocess.Popen(
        [sys.executable, '-c', 'import time; time.sleep(600)'])
    yield process.pid
    process.kill()
    process.wait()


@pytest.fixture
def dead_pid():
    """The pid of a process of this host that has exited."""
    process = subprocess.Popen([sys.executable, '-c', 'pass'])
    process.wait()
    return process.pid


def write_lock(work_dir, pid, hostname=None):
    work_dir.mkdir(exist_ok=True)
    lock = work_dir / '.lock'
    lock.write_text(json.dumps(
        dict(pid=pid, hostname=hostname or socket.gethostname(),
             started='2026-01-02T03:04:05+0000')))
    return lock


class LockProbe(Hook):
    """Records the lock file's holder at the first training iteration."""

    def __init__(self) -> None:
        self.holder = None

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if self.holder is None:
            with open(os.path.join(runner.work_dir, '.lock')) as f:
                self.holder = json.load(f)


def warnings_of(hook, work_dir):
    """The warnings ``hook.before_train`` logs on a runner of ``work_dir``."""
    warnings = []
    hook.before_train(types.SimpleNamespace(
        work_dir=str(work_dir),
        logger=types.SimpleNamespace(warning=warnings.append)))
    return warnings


def test_a_run_holds_the_lock_while_training_and_removes_it(tmp_path):
    probe = LockProbe()
    toy_runner(str(tmp_path), 2, hooks=[probe]).train()
    assert probe.holder['pid'] == os.getpid()
    assert probe.holder['hostname'] == socket.gethostname()
    assert probe.holder['started']
    assert not (tmp_path / '.lock').exists()


def test_a_live_holder_refuses_a_second_run_before_training(
        tmp_path, live_pid):
    lock = write_lock(tmp_path, live_pid)
    before = lock.read_text()
    with pytest.raises(WorkDirLockedError) as error:
        toy_runner(str(tmp_path), 2).train()
    message = str(error.value)
    assert f'Work dir {tmp_path} is in use' in message
    assert f'lock {lock} is held by pid {live_pid}' in message
    assert 'still running' in message and '2026-01-02T03:04:05' in message
    assert '--work-dir' in message and f'delete {lock}' in message
    assert not list(tmp_path.glob('*.pth'))  # nothing trained or saved
    assert lock.read_text() == before  # the holder keeps its lock


def test_a_holder_on_another_host_is_not_second_guessed(tmp_path, dead_pid):
    lock = write_lock(tmp_path, dead_pid, hostname='elsewhere')
    with pytest.raises(WorkDirLockedError,
                       match=f'pid {dead_pid} \\(on host elsewhere'):
        warnings_of(HOOKS.build(dict(type='WorkDirLockHook')), tmp_path)
    assert lock.exists()


def test_a_lock_without_a_holder_is_refused(tmp_path):
    (tmp_path / '.lock').write_text('')  # e.g. a run between create and write
    with pytest.raises(WorkDirLockedError, match='names no holder'):
        warnings_of(HOOKS.build(dict(type='WorkDirLockHook')), tmp_path)


def test_a_stale_lock_is_taken_over_with_a_warning(tmp_path, dead_pid):
    lock = write_lock(tmp_path, dead_pid)
    hook = HOOKS.build(dict(type='WorkDirLockHook'))
    warnings = warnings_of(hook, tmp_path)
    assert len(warnings) == 1
    assert f'stale lock {lock}' in warnings[0]
    assert f'pid {dead_pid} on this host' in warnings[0]
    assert 'no longer runs' in warnings[0]
    assert json.loads(lock.read_text())['pid'] == os.getpid()
    hook.release()
    assert not lock.exists()


def test_release_leaves_a_lock_that_is_no_longer_its_own(tmp_path, live_pid):
    hook = HOOKS.build(dict(type='WorkDirLockHook'))
    assert warnings_of(hook, tmp_path) == []
    lock = write_lock(tmp_path, live_pid)  # e.g. deleted and retaken
    hook.release()
    assert json.loads(lock.read_text())['pid'] == live_pid


def test_a_lock_of_this_process_is_taken_over_with_a_warning(tmp_path):
    lock = write_lock(tmp_path, os.getpid())
    hook = HOOKS.build(dict(type='WorkDirLockHook'))
    warnings = warnings_of(hook, tmp_path)
    assert len(warnings) == 1
    assert f'pid {os.getpid()} on this host' in warnings[0]
    assert 'is this process, whose earlier run did not finish' in warnings[0]
    taken = json.loads(lock.read_text())
    assert taken['started'] != '2026-01-02T03:04:05+0000'  # a new lock
    hook.release()


def test_an_earlier_run_of_this_process_that_raised_does_not_block(tmp_path):
    """The lock of a run that raised stays until the process exits (a
    notebook, a test session); the next run in the same process takes it
    over."""
    with pytest.raises(RuntimeError, match='toy failure'):
        toy_runner(str(tmp_path), 4, hooks=[FailAtIter(2)]).train()
    assert json.loads((tmp_path / '.lock').read_text())['pid'] == os.getpid()
    runner = toy_runner(str(tmp_path), 2)
    runner.train()
    assert runner.iter == 2
    assert not (tmp_path / '.lock').exists()


def test_a_run_that_raises_removes_its_lock_at_exit(tmp_path):
    result = run_python(TOY_TRAINING, str(tmp_path), '4', '--fail-at-iter',
                        '2')
    assert result.returncode != 0
    assert 'toy failure at iteration 2' in result.stderr, output_tail(result)
    assert not (tmp_path / '.lock').exists()


def test_runs_before_every_default_hook():
    lock = HOOKS.build(dict(type='WorkDirLockHook'))
    checkpoint = HOOKS.build(dict(type='AtomicCheckpointHook'))
    assert get_priority(lock.priority) == get_priority('HIGHEST')
    assert get_priority(lock.priority) < get_priority(checkpoint.priority)


@pytest.mark.slow
def test_a_second_train_tool_run_on_a_live_work_dir_exits_at_start(
        tmp_path, live_pid):
    data_root = make_tiny_data(tmp_path / 'data')
    work_dir = tmp_path / 'work'
    lock = write_lock(work_dir, live_pid)
    result = run_python('tools/train.py', DEMO, '--work-dir', str(work_dir),
                        *cfg_options(data_root, max_iters=2))
    assert result.returncode != 0, output_tail(result)
    assert 'WorkDirLockedError' in result.stderr, output_tail(result)
    assert f'held by pid {live_pid}' in result.stderr
    assert 'Iter(train)' not in result.stdout + result.stderr
    assert not list(work_dir.glob('*.pth'))
    assert json.loads(lock.read_text())['pid'] == live_pid
