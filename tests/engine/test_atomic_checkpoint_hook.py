"""AtomicCheckpointHook: checkpoints are renamed into place once complete,
and the expired one is removed only after the new one exists, so a kill
during a save at ``max_keep_ckpts=1`` keeps a checkpoint to resume from."""
import os
import signal

import pytest
from mmaction.registry import HOOKS
from mmengine.hooks import Hook

from kga_mmaction.engine import AtomicLocalBackend, load_checkpoint_safely
from runner_options import ROOT, output_tail, run_python
from toy_training import toy_runner

TOY_TRAINING = os.path.join(ROOT, 'tests', 'engine', 'toy_training.py')


def checkpoints(work_dir):
    """Names of the files in ``work_dir`` that end in ``.pth``."""
    return sorted(path.name for path in work_dir.glob('*.pth'))


def temporary_files(work_dir):
    return sorted(path.name for path in work_dir.glob('.*.tmp'))


class StartProbe(Hook):
    """Records the iteration that training starts from."""

    def before_train(self, runner) -> None:
        self.start = runner.iter


@pytest.mark.parametrize('option', [
    dict(backend_args=dict(backend='petrel')),
    dict(file_client_args=dict(backend='disk')),
    dict(out_dir='s3://bucket/checkpoints')
])
def test_refuses_any_storage_but_a_local_folder(option):
    key, value = next(iter(option.items()))
    with pytest.raises(ValueError) as error:
        HOOKS.build(dict(type='AtomicCheckpointHook', **option))
    assert f'{key}={value!r}' in str(error.value)
    assert "type='CheckpointHook'" in str(error.value)


def test_rotation_keeps_max_keep_ckpts_and_points_at_the_newest(tmp_path):
    toy_runner(str(tmp_path), 5,
               checkpoint=dict(interval=1, max_keep_ckpts=2)).train()
    assert checkpoints(tmp_path) == ['iter_4.pth', 'iter_5.pth']
    assert temporary_files(tmp_path) == []
    assert (tmp_path / 'last_checkpoint').read_text() == str(
        tmp_path / 'iter_5.pth')
    for step in (4, 5):
        checkpoint = load_checkpoint_safely(tmp_path / f'iter_{step}.pth')
        assert checkpoint['meta']['iter'] == step
        hub = checkpoint['message_hub']['runtime_info']
        assert hub['keep_ckpt_ids'] == [step - 1, step]
        assert hub['last_ckpt'] == str(tmp_path / f'iter_{step}.pth')


def test_interval_and_no_limit_keep_every_checkpoint(tmp_path):
    toy_runner(str(tmp_path), 6, checkpoint=dict(interval=2)).train()
    assert checkpoints(tmp_path) == ['iter_2.pth', 'iter_4.pth', 'iter_6.pth']


def test_save_best_rotates_the_best_checkpoint_too(tmp_path):
    toy_runner(str(tmp_path), 4, val_interval=2,
               checkpoint=dict(interval=2, max_keep_ckpts=1,
                               save_best='toy/score', rule='greater')).train()
    assert checkpoints(tmp_path) == ['best_toy_score_iter_4.pth',
                                     'iter_4.pth']
    checkpoint = load_checkpoint_safely(tmp_path / 'iter_4.pth')
    hub = checkpoint['message_hub']['runtime_info']
    assert hub['best_score'] == 2.0  # the second validation's score
    assert hub['best_ckpt'] == str(tmp_path / 'best_toy_score_iter_4.pth')


def test_the_expired_checkpoint_is_removed_after_the_new_one_is_in_place(
        tmp_path, monkeypatch):
    events = []
    put, remove = AtomicLocalBackend.put, AtomicLocalBackend.remove

    def logged_put(self, obj, filepath):
        put(self, obj, filepath)
        events.append(('written', os.path.basename(filepath)))

    def logged_remove(self, filepath):
        events.append(('removed', os.path.basename(filepath)))
        remove(self, filepath)

    monkeypatch.setattr(AtomicLocalBackend, 'put', logged_put)
    monkeypatch.setattr(AtomicLocalBackend, 'remove', logged_remove)
    toy_runner(str(tmp_path), 3,
               checkpoint=dict(interval=1, max_keep_ckpts=1)).train()
    assert events == [('written', 'iter_1.pth'), ('written', 'iter_2.pth'),
                      ('removed', 'iter_1.pth'), ('written', 'iter_3.pth'),
                      ('removed', 'iter_2.pth')]


def test_a_kill_during_a_save_keeps_the_last_checkpoint(tmp_path):
    """The training process saves ``iter_2.pth``, then is SIGKILLed with
    half of ``iter_4.pth`` written (``max_keep_ckpts=1``); a resumed run
    starts from iteration 2."""
    result = run_python(TOY_TRAINING, str(tmp_path), '6', '--max-keep-ckpts',
                        '1', '--kill-renaming', 'iter_4.pth')
    assert result.returncode == -signal.SIGKILL, output_tail(result)
    # the kill came in the middle of the save, with a partial file written
    partial = temporary_files(tmp_path)
    assert len(partial) == 1 and partial[0].startswith('.iter_4.pth.')
    assert (tmp_path / partial[0]).stat().st_size > 0
    # under a checkpoint name: the previous checkpoint only, complete
    assert checkpoints(tmp_path) == ['iter_2.pth']
    last = (tmp_path / 'last_checkpoint').read_text()
    assert last == str(tmp_path / 'iter_2.pth')
    assert load_checkpoint_safely(last)['meta']['iter'] == 2

    probe = StartProbe()
    resumed = toy_runner(str(tmp_path), 6, resume=True, hooks=[probe],
                         checkpoint=dict(interval=2, max_keep_ckpts=1))
    resumed.train()  # takes over the killed run's stale lock
    assert probe.start == 2
    assert resumed.iter == 6
    assert checkpoints(tmp_path) == ['iter_6.pth']
    assert load_checkpoint_safely(tmp_path / 'iter_6.pth')['meta']['iter'] == 6
