"""Tests for kga_mmaction.engine.checkpoint_loading.

A real mmengine Runner (mmaction2 ``Recognizer2D``, tiny ResNet-18 on 16x16
frames, CPU) writes the checkpoint the loading tests read; malicious
checkpoints are ``torch.save`` files whose objects reduce to code execution.
"""
import fractions
import os
import pickle
import shlex
import subprocess
import sys
import warnings
import zipfile
from typing import List

import numpy as np
import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner, load_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader
from torch.utils.data import Dataset

import kga_mmaction  # noqa: F401
from kga_mmaction.engine import (SAFE_GLOBALS, UnsafeCheckpointError,
                                 load_checkpoint_safely,
                                 register_safe_checkpoint_loader)
from kga_mmaction.engine.checkpoint_loading import (load_from_local_safe,
                                                    load_from_local_trusted)
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

CLASSES = ('benign', 'malignant')


class _TinyClips(Dataset):
    """Eight one-frame 16x16 clips with alternating labels."""

    metainfo = dict(classes=CLASSES)

    def __len__(self) -> int:
        return 8

    def __getitem__(self, index: int) -> dict:
        generator = torch.Generator().manual_seed(index)
        sample = ActionDataSample().set_gt_label(index % 2)
        return dict(inputs=torch.rand(1, 3, 16, 16, generator=generator),
                    data_samples=sample)


def _collate(batch: List[dict]) -> dict:
    return dict(inputs=[item['inputs'] for item in batch],
                data_samples=[item['data_samples'] for item in batch])


def _model_cfg() -> dict:
    return dict(type='Recognizer2D',
                backbone=dict(type='ResNet', depth=18, pretrained=None),
                cls_head=dict(type='TSNHead',
                              num_classes=len(CLASSES),
                              in_channels=512,
                              average_clips='prob'),
                data_preprocessor=dict(type='ActionDataPreprocessor',
                                       mean=[0., 0., 0.],
                                       std=[1., 1., 1.],
                                       format_shape='NCHW'))


class _RecordIters(Hook):
    """Records ``runner.iter`` before every training iteration."""

    def __init__(self) -> None:
        self.iters: List[int] = []

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        self.iters.append(runner.iter)


def _runner(work_dir,
            name,
            max_iters,
            load_from=None,
            resume=False,
            hooks=()) -> Runner:
    loader = dict(dataset=_TinyClips(),
                  batch_size=4,
                  sampler=dict(type='DefaultSampler', shuffle=False),
                  collate_fn=_collate)
    return Runner(
        model=_model_cfg(),
        work_dir=str(work_dir),
        experiment_name=name,
        train_dataloader=loader,
        train_cfg=dict(type='IterBasedTrainLoop',
                       max_iters=max_iters,
                       val_interval=2),
        val_dataloader=loader,
        val_cfg=dict(type='ValLoop'),
        val_evaluator=dict(type='AccMetric'),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9)),
        param_scheduler=[
            dict(type='LinearLR', start_factor=0.5, by_epoch=False, end=1),
            dict(type='MultiStepLR', milestones=[3], by_epoch=False)
        ],
        default_hooks=dict(checkpoint=dict(type='CheckpointHook',
                                           interval=2,
                                           by_epoch=False,
                                           save_best='acc/top1',
                                           rule='greater')),
        custom_hooks=list(hooks),
        load_from=load_from,
        resume=resume,
        randomness=dict(seed=0),
        default_scope='mmaction',
        log_level='WARNING')


@pytest.fixture(scope='module')
def runner_checkpoint(tmp_path_factory) -> str:
    """Path of ``iter_2.pth`` written by a 2-iteration Runner training."""
    work_dir = tmp_path_factory.mktemp('train')
    _runner(work_dir, 'ckpt_loading_train', max_iters=2).train()
    return str(work_dir / 'iter_2.pth')


@pytest.fixture(autouse=True)
def safe_mode():
    """Run every test in the default safe mode and restore it afterwards."""
    register_safe_checkpoint_loader()
    yield
    register_safe_checkpoint_loader()


class _Payload:
    """Unpickles by calling ``func(*args)``."""

    def __init__(self, func, *args) -> None:
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _malicious_payloads(marker):
    write = f'open({str(marker)!r}, "w").close()'
    return {
        'io.open':
        _Payload(open, str(marker), 'w'),
        'posix.system' if os.name == 'posix' else 'nt.system':
        _Payload(os.system, f'touch {shlex.quote(str(marker))}'),
        'builtins.exec':
        _Payload(exec, write),
    }


@pytest.fixture(params=['io.open', 'system', 'builtins.exec'])
def malicious_checkpoint(request, tmp_path):
    """A checkpoint whose ``meta`` creates a marker file when unpickled."""
    marker = tmp_path / 'marker'
    payloads = _malicious_payloads(marker)
    name = next(key for key in payloads if key.endswith(request.param))
    path = tmp_path / 'evil.pth'
    torch.save(
        dict(state_dict=dict(w=torch.ones(2)), meta=dict(x=payloads[name])),
        path)
    return str(path), name, marker


def _assert_same(loaded, reference) -> None:
    """Recursively compare a safe load with a trusted (pickle) load."""
    assert type(loaded) is type(reference)
    if isinstance(reference, dict):
        assert list(loaded) == list(reference)
        for key in reference:
            _assert_same(loaded[key], reference[key])
    elif isinstance(reference, (list, tuple)):
        assert len(loaded) == len(reference)
        for item, expected in zip(loaded, reference):
            _assert_same(item, expected)
    elif isinstance(reference, torch.Tensor):
        assert torch.equal(loaded, reference)
    elif isinstance(reference, np.ndarray):
        assert loaded.dtype == reference.dtype
        np.testing.assert_array_equal(loaded, reference)
    elif hasattr(reference, '__dict__'):  # HistoryBuffer
        _assert_same(vars(loaded), vars(reference))
    else:
        assert loaded == reference


def test_runner_checkpoint_needs_the_allowlist(runner_checkpoint):
    # Plain weights_only loading refuses it: the allowlist is what makes the
    # checkpoint loadable, not a lenient default.
    with pytest.raises(pickle.UnpicklingError, match='HistoryBuffer'):
        torch.load(runner_checkpoint, weights_only=True)


def test_runner_checkpoint_loads_intact(runner_checkpoint):
    reference = torch.load(runner_checkpoint, weights_only=False)
    loaded = CheckpointLoader.load_checkpoint(runner_checkpoint, 'cpu')

    _assert_same(loaded, reference)
    assert loaded['meta']['iter'] == 2
    assert loaded['meta']['dataset_meta'] == dict(classes=CLASSES)
    hub = loaded['message_hub']
    assert isinstance(hub['runtime_info']['best_score'], np.floating)
    loss = hub['log_scalars']['train/loss']
    assert loss.data[0].shape == (2, )
    assert loss.statistics('mean') == pytest.approx(
        reference['message_hub']['log_scalars']['train/loss'].mean())
    assert set(loaded['param_schedulers'][1]['milestones']) == {3}


def test_mmengine_load_checkpoint_restores_weights(runner_checkpoint):
    model = MODELS.build(_model_cfg())
    load_checkpoint(model, runner_checkpoint, map_location='cpu')
    expected = load_checkpoint_safely(runner_checkpoint)['state_dict']
    for key, value in model.state_dict().items():
        assert torch.equal(value, expected[key]), key


def test_runner_resume_continues_iterations(runner_checkpoint, tmp_path):
    record = _RecordIters()
    runner = _runner(tmp_path,
                     'ckpt_loading_resume',
                     max_iters=4,
                     load_from=runner_checkpoint,
                     resume=True,
                     hooks=[record])
    runner.train()

    assert record.iters == [2, 3]
    assert runner.iter == 4
    # The resumed message hub continues the logged history of iterations 0-1.
    loss = runner.message_hub.get_scalar('train/loss')
    assert loss.data[0].shape == (4, )
    assert os.path.isfile(tmp_path / 'iter_4.pth')
    assert load_checkpoint_safely(str(tmp_path /
                                      'iter_4.pth'))['meta']['iter'] == 4


def test_malicious_checkpoint_is_refused(malicious_checkpoint):
    path, offending, marker = malicious_checkpoint
    loaders = [
        lambda: load_checkpoint_safely(path),
        lambda: CheckpointLoader.load_checkpoint(path, 'cpu'),
        lambda: load_checkpoint(torch.nn.Linear(2, 2), path),
    ]
    for load in loaders:
        with pytest.raises(UnsafeCheckpointError) as info:
            load()
        message = str(info.value)
        assert path in message
        assert offending in message
        assert '--trust-checkpoint' in message and 'trust=True' in message
        assert info.value.offending_global == offending
        assert not marker.exists()


def test_trusting_malicious_checkpoint_runs_its_code(tmp_path):
    # Control for the test above: the payload does create the marker when
    # unpickled without restriction, so its absence there is meaningful.
    marker = tmp_path / 'marker'
    path = str(tmp_path / 'evil.pth')
    torch.save(dict(meta=_malicious_payloads(marker)['io.open']), path)
    load_checkpoint_safely(path, trust=True)
    assert marker.exists()


def test_unsafe_checkpoint_error_is_a_value_error_and_pickles():
    error = UnsafeCheckpointError('/ckpts/x.pth', 'builtins.exec')
    assert isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.filename, copy.offending_global) == ('/ckpts/x.pth',
                                                      'builtins.exec')
    assert str(copy) == str(error)


def test_history_buffer_getattr_is_restricted(tmp_path):
    # SAFE_GLOBALS maps 'builtins.getattr' to a resolver for HistoryBuffer's
    # statistics methods; any other getattr in a checkpoint is refused.
    path = str(tmp_path / 'getattr.pth')
    torch.save(dict(meta=_Payload(getattr, torch.Tensor, 'numpy')), path)
    with pytest.raises(UnsafeCheckpointError, match=r'builtins\.getattr'):
        load_checkpoint_safely(path)


def test_trust_loads_non_allowlisted_global(tmp_path):
    path = str(tmp_path / 'fraction.pth')
    torch.save(dict(meta=dict(ratio=fractions.Fraction(1, 3))), path)

    with pytest.raises(UnsafeCheckpointError, match='fractions.Fraction'):
        load_checkpoint_safely(path)
    with pytest.raises(UnsafeCheckpointError, match='fractions.Fraction'):
        CheckpointLoader.load_checkpoint(path)

    ratio = load_checkpoint_safely(path, trust=True)['meta']['ratio']
    assert ratio == fractions.Fraction(1, 3)

    register_safe_checkpoint_loader(trust=True)
    assert CheckpointLoader._schemes[''] is load_from_local_trusted
    assert CheckpointLoader.load_checkpoint(path)['meta']['ratio'] == ratio

    register_safe_checkpoint_loader(trust=False)
    assert CheckpointLoader._schemes[''] is load_from_local_safe
    with pytest.raises(UnsafeCheckpointError):
        CheckpointLoader.load_checkpoint(path)


def test_missing_file_names_the_path(tmp_path):
    path = str(tmp_path / 'missing' / 'iter_2.pth')
    with pytest.raises(FileNotFoundError, match='iter_2.pth') as info:
        load_checkpoint_safely(path)
    assert path in str(info.value)
    with pytest.raises(FileNotFoundError) as info:
        CheckpointLoader.load_checkpoint(path)
    assert path in str(info.value)


def test_user_path_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    torch.save(dict(state_dict=dict(w=torch.arange(3))), tmp_path / 'c.pth')
    loaded = CheckpointLoader.load_checkpoint('~/c.pth')
    assert torch.equal(loaded['state_dict']['w'], torch.arange(3))


def test_numpy_1_checkpoint_loads_under_either_numpy(runner_checkpoint,
                                                     tmp_path):
    # Rewrite the pickle's numpy helper module to the other major version's
    # path (numpy 2.x writes numpy._core.multiarray, 1.x numpy.core...).
    ours, other = (b'numpy._core.multiarray\n', b'numpy.core.multiarray\n')
    with zipfile.ZipFile(runner_checkpoint) as src:
        if ours not in src.read(_data_pkl(src)):
            ours, other = other, ours
        path = str(tmp_path / 'other_numpy.pth')
        with zipfile.ZipFile(path, 'w', zipfile.ZIP_STORED) as dst:
            for info in src.infolist():
                data = src.read(info)
                if info.filename.endswith('/data.pkl'):
                    assert ours in data
                    data = data.replace(ours, other)
                dst.writestr(info, data)

    with warnings.catch_warnings():
        warnings.simplefilter('error')  # no numpy.core deprecation import
        loaded = load_checkpoint_safely(path)
    _assert_same(loaded, load_checkpoint_safely(runner_checkpoint))
    names = {name for _, name in SAFE_GLOBALS}
    for module in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        assert {f'{module}._reconstruct', f'{module}.scalar'} <= names


def _data_pkl(archive: zipfile.ZipFile) -> str:
    return next(name for name in archive.namelist()
                if name.endswith('/data.pkl'))


def test_import_registers_safe_loader():
    # In a fresh interpreter, importing the package alone installs the
    # safe loader for local paths.
    code = ('import kga_mmaction\n'
            'from mmengine.runner.checkpoint import CheckpointLoader\n'
            'from kga_mmaction.engine.checkpoint_loading import '
            'load_from_local_safe\n'
            "assert CheckpointLoader._schemes[''] is load_from_local_safe, "
            "CheckpointLoader._schemes['']\n")
    result = subprocess.run([sys.executable, '-c', code],
                            capture_output=True,
                            text=True,
                            env=dict(os.environ,
                                     PYTHONPATH=os.pathsep.join(sys.path)))
    assert result.returncode == 0, result.stderr[-2000:]
