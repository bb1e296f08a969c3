"""Tests for kga_mmaction.engine.checkpoint_loading.

A real mmengine Runner (mmaction2 ``Recognizer2D``, tiny ResNet-18 on 16x16
frames, CPU) writes the checkpoint the loading tests read; malicious
checkpoints are ``torch.save`` files whose objects reduce to code execution.
"""
import fractions
import functools
import http.server
import json
import os
import os.path as osp
import pickle
import shlex
import shutil
import subprocess
import sys
import threading
import types
import urllib.parse
import warnings
import zipfile
from typing import Callable, List

import numpy as np
import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner, load_checkpoint
from mmengine.runner import checkpoint as mmengine_checkpoint
from mmengine.runner.checkpoint import (CheckpointLoader, get_external_models,
                                        get_mmcls_models,
                                        get_torchvision_models)
from torch.utils.data import Dataset

import kga_mmaction  # noqa: F401
from kga_mmaction.engine import (SAFE_GLOBALS, InvalidCheckpointError,
                                 UnsafeCheckpointError, load_checkpoint_safely,
                                 register_safe_checkpoint_loader)
from kga_mmaction.engine.checkpoint_loading import (_RoutedSchemeLoader,
                                                    load_from_local_safe,
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
    # safe loader for local paths and routes the URL schemes.
    code = ('import kga_mmaction\n'
            'from mmengine.runner.checkpoint import CheckpointLoader\n'
            'from kga_mmaction.engine.checkpoint_loading import '
            '_RoutedSchemeLoader, load_from_local_safe\n'
            "assert CheckpointLoader._schemes[''] is load_from_local_safe, "
            "CheckpointLoader._schemes['']\n"
            "for prefix in ('http://', 'https://', 'torchvision://'):\n"
            '    loader = CheckpointLoader._schemes[prefix]\n'
            '    assert isinstance(loader, _RoutedSchemeLoader), loader\n'
            '    assert not loader.trust\n')
    result = subprocess.run([sys.executable, '-c', code],
                            capture_output=True,
                            text=True,
                            env=dict(os.environ,
                                     PYTHONPATH=os.pathsep.join(sys.path)))
    assert result.returncode == 0, result.stderr[-2000:]


# Checkpoints that are not torch.save files, and the formats it does write.


def _truncated_zip(path) -> None:
    torch.save(dict(state_dict=dict(w=torch.ones(64))), path)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


NOT_CHECKPOINTS = {
    # kind: (writer, what the message says the file is)
    'empty': (lambda path: path.write_bytes(b''), 'the file is empty'),
    'text': (lambda path: path.write_text('model weights: see the wiki\n'),
             "not a PyTorch checkpoint: it starts with b'model weights: s'"),
    'truncated zip': (_truncated_zip, 'a truncated or corrupt zip archive'),
}


@pytest.mark.parametrize('trust', [False, True], ids=['safe', 'trusted'])
@pytest.mark.parametrize('kind', list(NOT_CHECKPOINTS))
def test_non_checkpoint_file_says_what_it_is(kind, trust, tmp_path):
    write, what = NOT_CHECKPOINTS[kind]
    path = tmp_path / 'model.pth'
    write(path)
    size = path.stat().st_size
    register_safe_checkpoint_loader(trust=trust)
    loaders = [
        lambda: load_checkpoint_safely(path, trust=trust),
        lambda: CheckpointLoader.load_checkpoint(str(path), 'cpu'),
    ]
    for load in loaders:
        with pytest.raises(InvalidCheckpointError) as info:
            load()
        message = str(info.value)
        assert message.startswith(f'Cannot load checkpoint {path} ({size} '
                                  'bytes): ')
        assert what in message
        # Trusting the file would not make it load: no such advice.
        assert 'trust' not in message.lower()
        assert isinstance(info.value, ValueError)


def test_invalid_checkpoint_error_pickles():
    error = InvalidCheckpointError('/ckpts/x.pth', 0, 'the file is empty')
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.filename, copy.size, copy.problem) == ('/ckpts/x.pth', 0,
                                                        'the file is empty')
    assert str(copy) == str(error)


def test_legacy_format_checkpoint_loads_safely(tmp_path):
    # torch.save's pre-1.6 format is a pickle starting with 0x80, not a zip.
    path = tmp_path / 'legacy.pth'
    torch.save(dict(state_dict=dict(w=torch.arange(4))),
               path,
               _use_new_zipfile_serialization=False)
    assert path.read_bytes()[:1] == b'\x80'
    loaded = CheckpointLoader.load_checkpoint(str(path))
    assert torch.equal(loaded['state_dict']['w'], torch.arange(4))


# URL schemes: downloads, caches and the other storage backends.


def _files_under(directory: str) -> List[str]:
    return sorted(
        osp.join(root, name) for root, _, names in os.walk(directory)
        for name in names)


@pytest.fixture
def download_dirs(tmp_path, monkeypatch):
    """Send every download cache (torch hub, MMENGINE_HOME, ~) to tmp_path.

    Checks afterwards that the real ``~/.cache/torch`` and
    ``~/.cache/mmengine`` are untouched.
    """
    real_caches = [
        osp.expanduser(osp.join('~', '.cache', name))
        for name in ('torch', 'mmengine')
    ]
    before = [_files_under(cache) for cache in real_caches]
    home = tmp_path / 'home'
    monkeypatch.setenv('HOME', str(home))
    monkeypatch.setenv('XDG_CACHE_HOME', str(home / '.cache'))
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    monkeypatch.setenv('MMENGINE_HOME', str(tmp_path / 'mmengine_home'))
    monkeypatch.setenv('no_proxy', '127.0.0.1')  # reach the local server
    hub_dir = tmp_path / 'torch_home' / 'hub'
    assert torch.hub.get_dir() == str(hub_dir)
    yield types.SimpleNamespace(checkpoints=hub_dir / 'checkpoints',
                                mmengine_home=tmp_path / 'mmengine_home')
    assert [_files_under(cache) for cache in real_caches] == before


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a directory without logging each request to stderr."""

    def log_message(self, format: str, *args) -> None:
        pass


@pytest.fixture
def served(tmp_path):
    """An HTTP server on 127.0.0.1 serving ``root`` at ``url``."""
    root = tmp_path / 'served'
    root.mkdir()
    server = http.server.HTTPServer(('127.0.0.1', 0),
                                    functools.partial(_QuietHandler,
                                                      directory=str(root)))
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    yield types.SimpleNamespace(
        root=root, url=f'http://127.0.0.1:{server.server_address[1]}/')
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def no_download(monkeypatch):
    """Fail any download: the cache tests must not need the network."""

    def refuse(url, *args, **kwargs):
        raise AssertionError(f'unexpected download of {url}')

    monkeypatch.setattr(torch.hub, 'download_url_to_file', refuse)


def _save_malicious(path, marker) -> None:
    """A checkpoint whose unpickling creates ``marker`` (via ``io.open``)."""
    torch.save(
        dict(state_dict=dict(w=torch.ones(2)),
             meta=dict(x=_malicious_payloads(marker)['io.open'])), path)


def _assert_refused(load, name, marker, local_copy=None) -> None:
    with pytest.raises(UnsafeCheckpointError) as info:
        load()
    message = str(info.value)
    assert info.value.offending_global == 'io.open'
    assert 'io.open' in message and name in message
    if local_copy is not None:
        assert f'local copy {local_copy}' in message
    assert not marker.exists()


def _pretrained_backbone(checkpoint: str):
    """The backbone of :func:`_model_cfg`, initialised from ``checkpoint``."""
    cfg = _model_cfg()['backbone']
    cfg['init_cfg'] = dict(type='Pretrained',
                           checkpoint=checkpoint,
                           prefix='backbone.',
                           map_location='cpu')
    return MODELS.build(cfg)


def test_malicious_url_checkpoint_creates_nothing(served, download_dirs,
                                                  tmp_path):
    marker = tmp_path / 'marker'
    _save_malicious(served.root / 'evil.pth', marker)
    url = served.url + 'evil.pth'
    cached = download_dirs.checkpoints / 'evil.pth'
    # The first load downloads into the tmp TORCH_HOME, the others load the
    # cached copy: both are refused.
    loaders = [
        lambda: CheckpointLoader.load_checkpoint(url, 'cpu'),
        lambda: load_checkpoint(torch.nn.Linear(2, 2), url),
        lambda: _pretrained_backbone(url).init_weights(),
    ]
    for load in loaders:
        _assert_refused(load, url, marker, local_copy=cached)
    assert cached.is_file()


def _cache(url: str, source, download_dirs) -> None:
    """Put ``source`` where torch.hub's download cache keeps ``url``."""
    download_dirs.checkpoints.mkdir(parents=True, exist_ok=True)
    name = osp.basename(urllib.parse.urlparse(url).path)
    shutil.copy(source, download_dirs.checkpoints / name)


def _cached_url(url: str):

    def place(source, download_dirs, monkeypatch) -> str:
        _cache(url, source, download_dirs)
        return url

    return place


def _cached_model_zoo_name(prefix: str, urls: Callable[[], dict], name: str):

    def place(source, download_dirs, monkeypatch) -> str:
        _cache(urls()[name], source, download_dirs)
        return prefix + name

    return place


def _mmengine_home_file(source, download_dirs, monkeypatch) -> str:
    # open-mmlab:// names mapped to a path in MMENGINE_HOME/open_mmlab.json
    # are loaded from that directory.
    download_dirs.mmengine_home.mkdir(parents=True, exist_ok=True)
    (download_dirs.mmengine_home / 'open_mmlab.json').write_text(
        json.dumps(dict(kga_local='kga_local.pth')))
    shutil.copy(source, download_dirs.mmengine_home / 'kga_local.pth')
    return 'open-mmlab://kga_local'


def _object_storage(prefix: str):
    # s3:// and petrel:// read the file into a buffer through a backend that
    # needs petrel_client; a stand-in backend serves the bytes.

    def place(source, download_dirs, monkeypatch) -> str:
        data = source.read_bytes()
        backend = types.SimpleNamespace(get=lambda filename: data)
        monkeypatch.setattr(mmengine_checkpoint, 'get_file_backend',
                            lambda filename, backend_args: backend)
        return f'{prefix}bucket/evil.pth'

    return place


def _pavi(source, download_dirs, monkeypatch) -> str:
    # pavi:// downloads into a temporary directory through pavi.modelcloud;
    # a stand-in module copies the file.
    model = types.SimpleNamespace(
        name='evil.pth', download=lambda target: shutil.copy(source, target))
    pavi = types.ModuleType('pavi')
    pavi.modelcloud = types.SimpleNamespace(get=lambda path: model)
    monkeypatch.setitem(sys.modules, 'pavi', pavi)
    return 'pavi://models/evil'


# (prefix as registered with mmengine, how to place a file for it)
SCHEME_CASES = {
    'http':
    ('http://', _cached_url('http://checkpoints.invalid/evil-http.pth')),
    'https':
    ('https://', _cached_url('https://checkpoints.invalid/evil-https.pth')),
    'torchvision': ('torchvision://',
                    _cached_model_zoo_name('torchvision://',
                                           get_torchvision_models,
                                           'resnet18')),
    'modelzoo': ('modelzoo://',
                 _cached_model_zoo_name('modelzoo://', get_torchvision_models,
                                        'resnet18')),
    'open-mmlab': ('open-mmlab://',
                   _cached_model_zoo_name('open-mmlab://', get_external_models,
                                          'resnet50_v1c')),
    'openmmlab': ('openmmlab://',
                  _cached_model_zoo_name('openmmlab://', get_external_models,
                                         'resnet50_v1c')),
    'open-mmlab-home': ('open-mmlab://', _mmengine_home_file),
    'mmcls': ('mmcls://',
              _cached_model_zoo_name('mmcls://', get_mmcls_models, 'vgg11')),
    's3': (r'(\S+\:)?s3://', _object_storage('s3://')),
    'petrel': (r'(\S+\:)?petrel://', _object_storage('petrel://')),
    'pavi': ('pavi://', _pavi),
}


def test_every_registered_scheme_is_routed_and_tested():
    prefixes = set(CheckpointLoader._schemes) - {''}
    assert prefixes == {prefix for prefix, _ in SCHEME_CASES.values()}
    for trust in (True, False):
        register_safe_checkpoint_loader(trust=trust)
        for prefix in prefixes:
            loader = CheckpointLoader._schemes[prefix]
            assert isinstance(loader, _RoutedSchemeLoader), prefix
            assert loader.trust is trust
            # Re-registering swaps the mode without wrapping twice.
            assert not isinstance(loader.loader, _RoutedSchemeLoader)
            assert loader.loader.__module__ == 'mmengine.runner.checkpoint'


@pytest.mark.parametrize('case', list(SCHEME_CASES))
def test_malicious_checkpoint_is_refused_on_every_scheme(
        case, download_dirs, no_download, tmp_path, monkeypatch):
    marker = tmp_path / 'marker'
    source = tmp_path / 'evil.pth'
    _save_malicious(source, marker)
    _, place = SCHEME_CASES[case]
    name = place(source, download_dirs, monkeypatch)
    _assert_refused(lambda: CheckpointLoader.load_checkpoint(name, 'cpu'),
                    name, marker)
    _assert_refused(lambda: load_checkpoint(torch.nn.Linear(2, 2), name), name,
                    marker)


def test_mmengine_checkpoint_loads_by_url(runner_checkpoint, served,
                                          download_dirs):
    shutil.copy(runner_checkpoint, served.root / 'iter_2.pth')
    url = served.url + 'iter_2.pth'
    reference = load_checkpoint_safely(runner_checkpoint)

    _assert_same(CheckpointLoader.load_checkpoint(url, 'cpu'), reference)
    assert (download_dirs.checkpoints / 'iter_2.pth').is_file()
    model = MODELS.build(_model_cfg())
    load_checkpoint(model, url, map_location='cpu')
    backbone = _pretrained_backbone(url)
    backbone.init_weights()
    loaded = dict(model.state_dict())
    loaded.update(('backbone.' + key, value)
                  for key, value in backbone.state_dict().items())
    assert set(loaded) == set(reference['state_dict'])
    for key, value in loaded.items():
        assert torch.equal(value, reference['state_dict'][key]), key


def test_trusted_url_checkpoint_runs_its_code(served, download_dirs, tmp_path):
    # Control for the refusals above: with the explicit opt-in, the served
    # payload is unpickled and creates the marker.
    marker = tmp_path / 'marker'
    _save_malicious(served.root / 'evil.pth', marker)
    register_safe_checkpoint_loader(trust=True)
    loaded = CheckpointLoader.load_checkpoint(served.url + 'evil.pth', 'cpu')
    assert torch.equal(loaded['state_dict']['w'], torch.ones(2))
    assert marker.exists()


def test_served_text_file_says_what_it_is(served, download_dirs):
    (served.root / 'model.pth').write_text('<!DOCTYPE html><p>Not found</p>')
    url = served.url + 'model.pth'
    with pytest.raises(InvalidCheckpointError) as info:
        CheckpointLoader.load_checkpoint(url, 'cpu')
    message = str(info.value)
    cached = download_dirs.checkpoints / 'model.pth'
    assert f'{url} (local copy {cached})' in message
    assert "not a PyTorch checkpoint: it starts with b'<!DOCTYPE html><'" \
        in message
    assert 'trust' not in message.lower()


def test_other_threads_keep_torch_load_during_a_url_load(tmp_path):
    # While a URL loader runs, only its own thread's torch.load is routed.
    original = torch.load
    path = tmp_path / 'fraction.pth'
    torch.save(dict(ratio=fractions.Fraction(1, 3)), path)
    seen = {}

    def loader(filename, map_location):
        other = threading.Thread(target=lambda: seen.update(other=torch.load(
            path, weights_only=False)))
        other.start()
        other.join()
        with pytest.raises(UnsafeCheckpointError, match='fractions.Fraction'):
            torch.load(path, weights_only=False)
        return 'done'

    loader.__name__ = 'load_from_test'
    assert _RoutedSchemeLoader(loader, trust=False)('test://x', None) == 'done'
    assert seen['other']['ratio'] == fractions.Fraction(1, 3)
    assert torch.load is original
