"""Checkpoint rotation that a kill during a save cannot lose."""
import os.path as osp
from typing import Any, Optional

from mmaction.registry import HOOKS
from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from ..utils import write_atomically
from .atomic_local_backend import ATOMIC_LOCAL_BACKEND

LAST_CHECKPOINT_FILE = 'last_checkpoint'  # the name mmengine's resume reads


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` with atomic writes and a safe rotation.

    mmengine 0.10 deletes the oldest checkpoint before it writes the new
    one, and writes the new one in place: a run killed during a save at
    ``max_keep_ckpts=1`` keeps no loadable checkpoint, only a truncated file
    under the new name. This hook

    * writes every checkpoint (periodic and best) to a temporary name in the
      same folder and renames it into place once complete
      (:class:`AtomicLocalBackend`);
    * removes the checkpoint that falls out of ``max_keep_ckpts`` only once
      the new one is in place and ``last_checkpoint`` (written atomically
      too) names it.

    A kill at any moment therefore leaves ``last_checkpoint`` naming a
    complete checkpoint to ``--resume`` from. (A kill between the save and
    the removal leaves the expired checkpoint on disk; a kill mid-write
    leaves a hidden ``.<name>.<hex>.tmp`` file.) The best checkpoint
    (``save_best``) is written atomically too but rotated as
    ``CheckpointHook`` does it: the previous best goes just before the new
    one is written. Everything else is ``CheckpointHook``'s.

    ``default_runtime.py`` makes it the checkpoint hook of every config.

    Args:
        **kwargs: ``CheckpointHook``'s arguments (``interval``,
            ``by_epoch``, ``max_keep_ckpts``, ``save_best``, ``out_dir``,
            ...), but neither ``backend_args`` nor ``file_client_args``:
            checkpoints go to a local folder.

    Raises:
        ValueError: ``backend_args`` or ``file_client_args`` is given, or
            ``out_dir`` is a URI (``s3://...``).
    """

    def __init__(self, **kwargs: Any) -> None:
        for key in ('backend_args', 'file_client_args'):
            if kwargs.get(key) is not None:
                raise ValueError(
                    f'AtomicCheckpointHook writes to a local folder, but got '
                    f'{key}={kwargs[key]!r}; use type=\'CheckpointHook\' '
                    'for another storage backend')
        out_dir: Optional[str] = kwargs.get('out_dir')
        if out_dir is not None and '://' in str(out_dir):
            raise ValueError(
                f'AtomicCheckpointHook writes to a local folder, but got '
                f'out_dir={out_dir!r}; use type=\'CheckpointHook\' for '
                'another storage backend')
        super().__init__(
            backend_args=dict(backend=ATOMIC_LOCAL_BACKEND), **kwargs)

    def _save_checkpoint_with_step(self, runner, step: int,
                                   meta: dict) -> None:
        """Save the checkpoint of ``step``, then drop the expired one.

        The bookkeeping is ``CheckpointHook``'s (``keep_ckpt_ids`` and
        ``last_ckpt`` in the message hub, saved with the checkpoint); only
        the order differs: save, point ``last_checkpoint`` at it, remove.

        Args:
            runner (Runner): The runner.
            step (int): The epoch or iteration the checkpoint is named by.
            meta (dict): Meta information saved in the checkpoint.
        """
        expired = None
        # save_best may save the step just saved again: no new slot then
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                expired = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))

        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            filename,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():  # only the main process writes files
            return

        write_atomically(
            osp.join(runner.work_dir, LAST_CHECKPOINT_FILE),
            lambda f: f.write(self.last_ckpt))
        if expired is not None:
            path = self.file_backend.join_path(
                self.out_dir, self.filename_tmpl.format(expired))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
