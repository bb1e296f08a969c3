"""Shared set-up: the plugin registered, MMAction2's default scope, and a
tiny KGA-Net checkpoint on synthetic BUSV/BUSI data for the API and tool
tests, with the predictions ``tools/test.py --out-predictions`` makes of it.

The tiny config inherits the paper config and only swaps in a ResNet-18 at
32x32 and the data roots, so the real test pipeline is exercised. The
checkpoint holds freshly initialised weights: those tests check the tools,
not the accuracy.
"""
import os
import os.path as osp
import shutil
import subprocess
import sys
import types

import pytest
import torch
from mmaction.registry import MODELS
from mmaction.utils import register_all_modules
from mmengine.config import Config

import kga_mmaction  # noqa: F401
from runner_options import make_tiny_data

register_all_modules(init_default_scope=True)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PAPER_CONFIG = osp.join(ROOT, 'configs', 'kga_net',
                        'kga-net_r50-in1k-pre_1xb16-1x1x16-8k_busv-busi.py')

TINY_CONFIG = '''
_base_ = {base!r}
model = dict(backbone=dict(depth=18, pretrained=None),
             cls_head=dict(in_channels=512))
test_pipeline = [
    dict(type='SampleUpToFrames', max_frames=128),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs',
         meta_keys=('img_shape', 'img_key', 'video_id', 'timestamp',
                    'frame_inds', 'frame_dir'))
]
train_dataloader = dict(
    num_workers=0, persistent_workers=False, prefetch_factor=None,
    dataset=dict(video=dict(data_root={busv!r}),
                 image=dict(data_root={busi!r})))
test_dataloader = dict(
    num_workers=0, persistent_workers=False, prefetch_factor=None,
    dataset=dict(data_root={busv!r}, pipeline=test_pipeline))
val_dataloader = test_dataloader
'''


@pytest.fixture(scope='session')
def tiny_kga(tmp_path_factory) -> types.SimpleNamespace:
    """``config`` and ``checkpoint`` paths, the ``busv`` root and ``cfg``."""
    root = tmp_path_factory.mktemp('tiny_kga')
    data = make_tiny_data(root / 'data', per_class=3, frames=(6, 8),
                          size=40)
    config = root / 'tiny_kga.py'
    config.write_text(
        TINY_CONFIG.format(base=PAPER_CONFIG, busv=str(data / 'busv'),
                           busi=str(data / 'Dataset_BUSI_with_GT')))
    cfg = Config.fromfile(str(config))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    checkpoint = root / 'tiny_kga.pth'
    torch.save(dict(state_dict=model.state_dict()), str(checkpoint))
    return types.SimpleNamespace(
        config=str(config), checkpoint=str(checkpoint),
        busv=str(data / 'busv'), cfg=cfg)


@pytest.fixture(scope='session')
def nan_checkpoint(tiny_kga, tmp_path_factory) -> str:
    """``tiny_kga``'s checkpoint with every float weight NaN (a diverged
    run)."""
    state = torch.load(tiny_kga.checkpoint)['state_dict']
    state = {k: torch.full_like(v, float('nan')) if v.is_floating_point()
             else v for k, v in state.items()}
    path = tmp_path_factory.mktemp('nan') / 'diverged.pth'
    torch.save(dict(state_dict=state), str(path))
    return str(path)


@pytest.fixture(scope='session')
def tiny_predictions(tiny_kga, tmp_path_factory) -> str:
    """The ``.json`` predictions of ``tools/test.py --out-predictions`` on
    ``tiny_kga``'s test split (2 videos), made with a copy of its
    checkpoint that is deleted afterwards: whatever reads them runs without
    a checkpoint."""
    root = tmp_path_factory.mktemp('tiny_predictions')
    checkpoint = root / 'deleted_after_testing.pth'
    shutil.copy(tiny_kga.checkpoint, checkpoint)
    predictions = root / 'predictions.json'
    result = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools', 'test.py'), tiny_kga.config,
         str(checkpoint), '--work-dir', str(root / 'work_dir'),
         '--out-predictions', str(predictions)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, CUDA_VISIBLE_DEVICES=''))
    assert result.returncode == 0, result.stderr[-3000:]
    checkpoint.unlink()
    return str(predictions)
