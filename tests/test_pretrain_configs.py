"""Backbone pretraining configs (``configs/pretrain/``): mmpretrain image
classifiers on the synthetic BUSI images, trained by ``tools/train.py``.

* Each config builds an ``ImageClassifier`` from mmpretrain's modules (not
  MMAction2's namesakes) for the 3 BUSI classes at its frame size.
* One training iteration through ``Runner.from_cfg`` on a tiny generated
  BUSI tree writes a checkpoint; the safe checkpoint loader (no
  ``--trust-checkpoint``) reads it, message hub included.
* A KGA-Net backbone (``mmpretrain.ResNet`` with ``init_cfg=Pretrained``,
  ``prefix='backbone.'``) started from that checkpoint holds its weights
  after ``init_weights``, loaded through the safe loader.
"""
import os.path as osp

import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.registry import LOG_PROCESSORS
from mmengine.runner import Runner
from mmengine.runner.checkpoint import CheckpointLoader
from mmpretrain.models import (ClsDataPreprocessor, CrossEntropyLoss,
                               GlobalAveragePooling, ImageClassifier,
                               LinearClsHead, ResNet)

from kga_mmaction.engine import (load_checkpoint_safely,
                                 register_safe_checkpoint_loader)
from kga_mmaction.engine.checkpoint_loading import load_from_local_safe
from kga_mmaction.synthetic.writers import make_synthetic_busi

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PRETRAIN_DIR = osp.join(ROOT, 'configs', 'pretrain')
R50 = osp.join(PRETRAIN_DIR, 'resnet50_1xb32-400it_synthetic-busi-64px.py')
R18_HALF = osp.join(PRETRAIN_DIR,
                    'resnet18-half_1xb32-400it_synthetic-busi-96px.py')
DEMO = osp.join(ROOT, 'configs', 'demo',
                'kga-net_r18-half_1xb8-1x1x8-600it_synthetic.py')
#: config -> (depth, base channels, feature channels, frame size, data root)
EXPECTED = {
    R50: (50, 64, 2048, 64, 'data/recipe_study/Dataset_BUSI_with_GT'),
    R18_HALF: (18, 32, 256, 96, 'data/busv-like/Dataset_BUSI_with_GT'),
}


def config_id(path):
    return osp.splitext(osp.basename(path))[0]


@pytest.fixture(scope='module')
def busi_root(tmp_path_factory):
    """A tiny BUSI tree of the 3 classes, with masks."""
    root = str(tmp_path_factory.mktemp('busi') / 'Dataset_BUSI_with_GT')
    make_synthetic_busi(root, num_benign=3, num_malignant=3, num_normal=2,
                        size=(40, 40), progress=False)
    return root


def test_every_pretrain_config_is_tested():
    import glob
    assert sorted(glob.glob(osp.join(PRETRAIN_DIR, '*.py'))) == sorted(
        EXPECTED)


@pytest.mark.parametrize('path', list(EXPECTED), ids=config_id)
def test_config_builds_an_mmpretrain_classifier(path):
    depth, base_channels, channels, size, data_root = EXPECTED[path]
    cfg = Config.fromfile(path)
    model = MODELS.build(cfg.model)

    assert isinstance(model, ImageClassifier)
    assert isinstance(model.data_preprocessor, ClsDataPreprocessor)
    assert isinstance(model.backbone, ResNet)
    assert isinstance(model.neck, GlobalAveragePooling)
    assert isinstance(model.head, LinearClsHead)
    # MMAction2's CrossEntropyLoss would fail on mmpretrain's avg_factor
    assert isinstance(model.head.loss_module, CrossEntropyLoss)
    assert model.backbone.depth == depth
    assert model.backbone.base_channels == base_channels
    assert model.head.num_classes == 3
    with torch.no_grad():
        feats = model.extract_feat(torch.zeros(1, 3, size, size))
    assert feats[-1].shape == (1, channels) == (1, model.head.in_channels)

    dataset = cfg.train_dataloader.dataset
    assert dataset.type == 'BUSIDataset'
    assert dataset.classes == ('benign', 'malignant', 'normal')
    assert dataset.data_root == data_root
    resize, = [s for s in dataset.pipeline if s.type == 'Resize']
    assert tuple(resize.scale) == (size, size)
    assert dataset.pipeline[-1].type == 'PackImageClassificationInputs'
    assert cfg.train_dataloader.batch_size == 32
    # the recipe study's proxy: SGD 0.05, cosine to 0 over 400 iterations
    assert cfg.train_cfg == dict(type='IterBasedTrainLoop', max_iters=400)
    assert cfg.optim_wrapper.optimizer == dict(
        type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-4)
    scheduler, = cfg.param_scheduler
    assert scheduler.type == 'CosineAnnealingLR'
    assert (scheduler.by_epoch, scheduler.end, scheduler.T_max) == (False,
                                                                   400, 400)
    assert cfg.default_hooks.checkpoint.interval == 400
    # the logged accuracy is a window mean, like the loss
    log_processor = LOG_PROCESSORS.build(cfg.log_processor)
    assert log_processor.window_size == cfg.default_hooks.logger.interval
    assert log_processor.mean_pattern.search('accuracy_top-1')
    assert log_processor.mean_pattern.search('loss')
    assert cfg.get('val_dataloader') is None


def train_one_iteration(path, busi_root, work_dir):
    """Train ``path`` for one iteration on ``busi_root``; the checkpoint."""
    cfg = Config.fromfile(path)
    cfg.work_dir = str(work_dir)
    cfg.train_cfg.max_iters = 1
    cfg.default_hooks.checkpoint.interval = 1
    cfg.default_hooks.logger.interval = 1
    cfg.train_dataloader.update(batch_size=4, num_workers=0,
                                persistent_workers=False)
    cfg.train_dataloader.dataset.data_root = busi_root
    runner = Runner.from_cfg(cfg)
    runner.train()
    scalars = runner.message_hub.log_scalars
    assert np.isfinite(scalars['train/loss'].current())
    assert 'train/accuracy_top-1' in scalars
    return runner, osp.join(str(work_dir), 'iter_1.pth')


@pytest.mark.parametrize('path', list(EXPECTED), ids=config_id)
def test_one_training_iteration_writes_a_safely_loadable_checkpoint(
        path, busi_root, tmp_path):
    runner, checkpoint = train_one_iteration(path, busi_root, tmp_path)
    # 8 images, masks left out: a batch of 4 never holds a mask
    assert len(runner.train_dataloader.dataset) == 8

    register_safe_checkpoint_loader(trust=False)
    state = load_checkpoint_safely(checkpoint, map_location='cpu')
    assert 'message_hub' in state and 'optimizer' in state
    assert any(k.startswith('backbone.') for k in state['state_dict'])
    trained = runner.model.state_dict()
    for key, value in state['state_dict'].items():
        torch.testing.assert_close(value, trained[key], rtol=0, atol=0)


def test_kga_net_backbone_starts_from_the_pretrained_checkpoint(
        busi_root, tmp_path, monkeypatch):
    """The demo KGA-Net with its backbone initialised from the ResNet-18
    (half) checkpoint: every backbone tensor equals the checkpoint's."""
    _, checkpoint = train_one_iteration(R18_HALF, busi_root, tmp_path)
    register_safe_checkpoint_loader(trust=False)
    assert CheckpointLoader._schemes[''] is load_from_local_safe
    loaded = []

    def recording_loader(filename, map_location):
        loaded.append(filename)
        return load_from_local_safe(filename, map_location)

    monkeypatch.setitem(CheckpointLoader._schemes, '', recording_loader)

    cfg = Config.fromfile(DEMO)
    cfg.model.backbone.init_cfg = dict(
        type='Pretrained', checkpoint=checkpoint, prefix='backbone.')
    model = MODELS.build(cfg.model)
    pretrained = {
        k[len('backbone.'):]: v
        for k, v in torch.load(checkpoint, weights_only=False)
        ['state_dict'].items() if k.startswith('backbone.')
    }
    before = model.backbone.state_dict()
    assert set(before) == set(pretrained)
    # a fresh build differs from the checkpoint: the test can fail
    assert not all(torch.equal(before[k], pretrained[k]) for k in before)

    model.init_weights()

    assert loaded == [checkpoint]
    after = model.backbone.state_dict()
    for key, value in pretrained.items():
        torch.testing.assert_close(after[key], value, rtol=0, atol=0,
                                   msg=key)
