"""One training run per work dir: a lock file naming its holder."""
import atexit
import json
import os
import os.path as osp
import socket
import time
from typing import Optional

from mmaction.registry import HOOKS
from mmengine.dist import broadcast_object_list, is_main_process
from mmengine.hooks import Hook
from mmengine.logging import MMLogger


class WorkDirLockedError(RuntimeError):
    """The work dir is held by another training run."""


def process_is_alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine (POSIX).

    Args:
        pid (int): The process id.

    Returns:
        bool: False when no such process exists; True otherwise, including
        a process of another user (which may not be signalled) and any
        non-POSIX system, where signal 0 would not be a mere probe.
    """
    if os.name != 'posix':
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_holder(path: str) -> Optional[dict]:
    """The holder recorded in a lock file.

    Args:
        path (str): The lock file.

    Returns:
        dict | None: ``pid``, ``hostname`` and ``started``; None when the
        file is gone, unreadable or does not hold them (e.g. it is being
        written by a run that is starting, or was not written by this
        hook).
    """
    try:
        with open(path, encoding='utf-8') as f:
            holder = json.load(f)
    except (OSError, ValueError):
        return None
    if (isinstance(holder, dict) and isinstance(holder.get('pid'), int)
            and isinstance(holder.get('hostname'), str)):
        return holder
    return None


@HOOKS.register_module()
class WorkDirLockHook(Hook):
    """Refuses a second training run on a work dir that a live run holds.

    Two runs in one work dir overwrite each other's checkpoints and
    ``last_checkpoint``. At ``before_train`` (before any other hook, in
    particular before the ``CheckpointHook`` prunes checkpoints) the main
    process creates ``<work_dir>/<filename>`` exclusively (``O_EXCL``),
    holding its pid, host name and start time as JSON. If the file exists:

    * its holder is this host's process that no longer exists (killed, or
      the machine rebooted), or this very process (an earlier run in it
      raised): the lock is stale; a warning names the old holder and the run
      takes the lock over;
    * otherwise (a live process, another host, or an unreadable lock) every
      process raises :class:`WorkDirLockedError` naming the work dir, the
      lock and its holder, and how to proceed.

    The lock is removed after the run (``after_run``, so that the
    checkpoint hook's ``after_train`` still runs under it) and, should the
    run raise, at interpreter exit; a process killed outright leaves it,
    to be found stale by the next run. A recycled pid makes a stale lock
    look live: the message then says to delete it. Under a launcher, only
    the main process holds the lock, and all processes raise together.

    ``default_runtime.py`` enables it for every kga-mmaction config.

    Args:
        filename (str): Name of the lock file in the work dir. Defaults to
            ``'.lock'``.
    """

    priority = 'HIGHEST'

    def __init__(self, filename: str = '.lock') -> None:
        self.filename = filename
        self.path: Optional[str] = None
        self.holder: Optional[dict] = None

    def before_train(self, runner) -> None:
        """Take the work dir's lock, or raise on every process.

        Args:
            runner (Runner): The runner.

        Raises:
            WorkDirLockedError: Another run holds the work dir.
        """
        path = osp.join(runner.work_dir, self.filename)
        refusal = [None]
        if is_main_process():
            try:
                self._acquire(path, runner.logger)
            except WorkDirLockedError as error:
                refusal = [str(error)]
        broadcast_object_list(refusal)
        if refusal[0] is not None:
            raise WorkDirLockedError(refusal[0])

    def after_run(self, runner) -> None:
        """Release the lock of a finished training run.

        Args:
            runner (Runner): The runner.
        """
        self.release()

    def release(self) -> None:
        """Remove the lock if this hook holds it (and it is still ours)."""
        if self.path is None:
            return
        atexit.unregister(self.release)
        if read_holder(self.path) == self.holder:
            os.remove(self.path)
        self.path = self.holder = None

    def _acquire(self, path: str, logger: MMLogger) -> None:
        """Create the lock at ``path``, taking a stale one over.

        Raises:
            WorkDirLockedError: ``path`` is held by a live (or unknown) run.
        """
        holder = dict(pid=os.getpid(), hostname=socket.gethostname(),
                      started=time.strftime('%Y-%m-%dT%H:%M:%S%z'))
        if not self._create(path, holder):
            stale = read_holder(path)
            if not self._is_stale(stale):
                raise self._refusal(path, stale)
            gone = ('is this process, whose earlier run did not finish'
                    if stale['pid'] == os.getpid() else 'no longer runs')
            logger.warning(
                f'Taking over the stale lock {path}: its holder, pid '
                f'{stale["pid"]} on this host (started '
                f'{stale.get("started")}), {gone}.')
            # another run may have taken it over since it was read
            if read_holder(path) == stale:
                os.remove(path)
            if not self._create(path, holder):
                raise self._refusal(path, read_holder(path))
        self.path, self.holder = path, holder
        atexit.register(self.release)

    @staticmethod
    def _create(path: str, holder: dict) -> bool:
        """Create ``path`` holding ``holder``; False if it exists."""
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, 'w', encoding='utf-8') as f:
            json.dump(holder, f)
        return True

    @staticmethod
    def _is_stale(holder: Optional[dict]) -> bool:
        """Whether ``holder`` is a process of this host that is gone, or
        this process itself."""
        if holder is None or holder['hostname'] != socket.gethostname():
            return False
        return holder['pid'] == os.getpid() or not process_is_alive(
            holder['pid'])

    @staticmethod
    def _refusal(path: str, holder: Optional[dict]) -> WorkDirLockedError:
        """The error for a work dir whose lock at ``path`` is held."""
        work_dir = osp.dirname(path)
        if holder is None:
            who = ('names no holder (a run may be starting, or the file was '
                   'not written by WorkDirLockHook)')
        else:
            where = ('on this host, still running'
                     if holder['hostname'] == socket.gethostname() else
                     f'on host {holder["hostname"]}, which this host cannot '
                     'check')
            who = (f'is held by pid {holder["pid"]} ({where}), started '
                   f'{holder.get("started")}')
        return WorkDirLockedError(
            f'Work dir {work_dir} is in use by another training run: its '
            f'lock {path} {who}. Train into another work dir (--work-dir), '
            f'or, if that run is gone, delete {path} and start again.')
