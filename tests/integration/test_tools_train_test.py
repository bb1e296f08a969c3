"""Runner level: tools/train.py and tools/test.py on generated data
(``--resume``: test_resume_exactness.py).

A tiny KGA-Net (ResNet-18, the CPU demo config) trains for a few iterations
on a miniature synthetic BUSV + BUSI written in the released layouts.
"""
import os.path as osp
import subprocess
import sys

import pytest
import torch

from runner_options import (DEMO, ROOT, cfg_options, make_tiny_data,
                            tiny_training_options)

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return make_tiny_data(tmp_path_factory.mktemp('synthetic') / 'data')


def run_tool(*args):
    result = subprocess.run([sys.executable, *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


@pytest.fixture(scope='module')
def trained(data_root, tmp_path_factory):
    """4 iterations of 2 + 2 samples at 32x32; the tests only read them."""
    work_dir = tmp_path_factory.mktemp('work')
    log = run_tool('tools/train.py', DEMO, '--work-dir', str(work_dir),
                   *cfg_options(data_root, max_iters=4),
                   *tiny_training_options())
    return work_dir, log


def test_train_logs_every_loss_term_and_saves_checkpoints(trained):
    work_dir, log = trained
    for key in ('loss_cls', 'loss_frame', 'loss_image', 'loss_center',
                'loss_coherence'):
        assert f'{key}: ' in log, key
    assert 'Iter(train) [4/4]' in log
    assert osp.isfile(work_dir / 'iter_2.pth')
    assert osp.isfile(work_dir / 'iter_4.pth')


def test_test_tool_loads_checkpoint_safely_and_reports_metrics(
        trained, data_root, tmp_path):
    work_dir, _ = trained
    dump, table = tmp_path / 'preds.pkl', tmp_path / 'preds.csv'
    log = run_tool('tools/test.py', DEMO, str(work_dir / 'iter_4.pth'),
                   '--work-dir', str(tmp_path), '--dump', str(dump),
                   '--out-predictions', str(table),
                   *cfg_options(data_root, max_iters=4))
    assert f'Loaded checkpoint {work_dir / "iter_4.pth"}: all ' in log
    for key in ('auc', 'acc@youden', 'sensitivity@youden',
                'specificity@youden'):
        assert f'diagnosis/{key}: ' in log, key
    assert osp.getsize(dump) > 0
    rows = table.read_text().splitlines()
    assert rows[0].startswith('index,video_id')
    assert len(rows) == 1 + 2  # header + the 2 test videos (20% of 8)


def test_test_tool_refuses_an_unsafe_checkpoint(data_root, tmp_path):
    marker = tmp_path / 'pwned'

    class Payload:

        def __reduce__(self):
            return (open, (str(marker), 'w'))

    evil = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'x': Payload()}, evil)
    result = subprocess.run(
        [sys.executable, 'tools/test.py', DEMO, str(evil), '--work-dir',
         str(tmp_path / 'w'), *cfg_options(data_root, max_iters=4)],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode != 0
    assert str(evil) in result.stderr and 'io.open' in result.stderr
    assert not marker.exists()


def test_test_tool_refuses_a_checkpoint_of_another_model(
        trained, data_root, tmp_path):
    """An unrelated checkpoint is an error naming keys, not a random-model
    AUC; --allow-partial-checkpoint loads what fits and tests."""
    work_dir, _ = trained
    state = torch.load(work_dir / 'iter_4.pth', weights_only=False,
                       map_location='cpu')['state_dict']
    other = {k: v for k, v in state.items() if not k.startswith('cls_head')}
    other['neck.proj.weight'] = torch.zeros(3, 3)
    unrelated = tmp_path / 'other_model.pth'
    torch.save(dict(state_dict=other), unrelated)
    args = ['tools/test.py', DEMO, str(unrelated), '--work-dir',
            str(tmp_path / 'w'), *cfg_options(data_root, max_iters=4)]
    result = subprocess.run([sys.executable, *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode != 0
    assert 'diagnosis/auc' not in result.stdout + result.stderr
    assert 'CheckpointMismatchError' in result.stderr
    assert str(unrelated) in result.stderr
    assert 'missing from the checkpoint: cls_head.' in result.stderr
    assert 'does not have: neck.proj.weight' in result.stderr
    log = run_tool(*args, '--allow-partial-checkpoint')
    assert 'Partial load (allow_partial)' in log
    assert 'diagnosis/auc: ' in log
