"""Every config under ``configs/`` builds; every demo config runs.

* Build: ``Config.fromfile`` + ``MODELS.build(cfg.model)`` (pretrained
  weights and ``load_from`` off) for every config but ``_base_`` files and
  the paper config (``test_paper_config.py`` covers it), with the invariants
  of a kga-mmaction experiment: 2 classes, no SyncBN in the built model
  (the Runner converts BN only under a launcher),
  iteration-based schedule, checkpoints and logs, and the runtime's hooks
  (atomic checkpoints, the work-dir lock, the non-finite guard).
* Run (slow): each demo config trains one iteration, validates and tests
  through ``Runner.from_cfg``, the real datasets and pipelines, on a
  miniature synthetic BUSV + BUSI.
"""
import glob
import os.path as osp

import pytest
import torch
from mmaction.registry import HOOKS, MODELS
from mmengine.config import Config
from mmengine.runner import Runner

from kga_mmaction.datasets.synthetic import make_synthetic_datasets
from kga_mmaction.engine import AtomicCheckpointHook

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG_DIR = osp.join(ROOT, 'configs')
PAPER = osp.join(CONFIG_DIR, 'kga_net',
                 'kga-net_r50-in1k-pre_1xb16-1x1x16-8k_busv-busi.py')
CONFIGS = sorted(
    path for path in glob.glob(osp.join(CONFIG_DIR, '**', '*.py'),
                               recursive=True)
    if '_base_' not in osp.relpath(path, CONFIG_DIR).split(osp.sep))
DEMOS = [path for path in CONFIGS if osp.basename(osp.dirname(path)) == 'demo']
BASELINES = [
    path for path in CONFIGS
    if osp.basename(osp.dirname(path)) == 'baselines'
]
RECIPE_STUDY = [
    path for path in CONFIGS
    if osp.basename(osp.dirname(path)) == 'recipe_study'
]
MMACTION_CHECKPOINTS = 'https://download.openmmlab.com/mmaction/v1.0/'


def config_id(path: str) -> str:
    """``demo/i3d_...`` for a config path."""
    return osp.splitext(osp.relpath(path, CONFIG_DIR))[0]


def without_pretrained(cfg):
    """Turn off every pretrained-weight download in a model config."""
    if isinstance(cfg, dict):
        if isinstance(cfg.get('pretrained'), str):
            cfg['pretrained'] = None
        init_cfg = cfg.get('init_cfg')
        if isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained':
            cfg['init_cfg'] = None
        for value in cfg.values():
            without_pretrained(value)
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            without_pretrained(value)
    return cfg


def test_the_glob_finds_every_kind_of_config():
    kinds = {osp.basename(osp.dirname(path)) for path in CONFIGS}
    assert kinds == {'baselines', 'demo', 'kga_net', 'recipe_study'}
    assert len(BASELINES) == 5  # I3D, SlowFast, R(2+1)D, CSN, MViT
    # the KGA-Net demo, its 3 ablations and the 5 baselines
    assert len(DEMOS) == 9


@pytest.mark.parametrize(
    'path', [path for path in CONFIGS if path != PAPER], ids=config_id)
def test_config_builds(path):
    cfg = Config.fromfile(path)
    model = MODELS.build(without_pretrained(cfg.model))

    assert model.cls_head.num_classes == 2
    blending = cfg.model.data_preprocessor.get('blending') or {}
    for augment in blending.get('augments', []):
        assert augment.num_classes == 2, augment.type
    assert not any(
        isinstance(module, torch.nn.SyncBatchNorm)
        for module in model.modules())
    assert cfg.train_cfg.type == 'IterBasedTrainLoop'
    assert cfg.default_hooks.checkpoint.by_epoch is False
    # atomic checkpoint rotation, a locked work dir, the non-finite guard
    checkpoint = HOOKS.build(cfg.default_hooks.checkpoint)
    assert isinstance(checkpoint, AtomicCheckpointHook)
    assert {'WorkDirLockHook', 'NonFiniteLossHook'} <= {
        hook.type for hook in cfg.custom_hooks}
    assert cfg.log_processor.by_epoch is False
    for scheduler in cfg.param_scheduler:
        assert scheduler.by_epoch is False, scheduler.type
    if path in DEMOS:
        assert cfg.load_from is None
        assert cfg.train_cfg.max_iters == 600
    elif path in RECIPE_STUDY:
        assert cfg.train_cfg.max_iters == 320
    else:
        assert cfg.train_cfg.max_iters == 8000
    if path in BASELINES:
        assert cfg.load_from.startswith(MMACTION_CHECKPOINTS)


def test_3d_baselines_see_images_as_static_clips_of_their_clip_length():
    for path in BASELINES + [p for p in DEMOS if 'kga-net' not in p]:
        cfg = Config.fromfile(path)
        video_pipeline = cfg.train_dataloader.dataset.video.pipeline
        image_pipeline = cfg.train_dataloader.dataset.image.pipeline
        test_pipeline = cfg.test_dataloader.dataset.pipeline
        clip_len = video_pipeline[0].clip_len
        assert image_pipeline[0] == dict(
            type='LoadImageAsFrames', num_frames=clip_len), path
        # the paper's 128 test frames, as clips of the training shape
        assert test_pipeline[0].clip_len == clip_len, path
        assert test_pipeline[0].num_clips * clip_len == 128, path
        for pipeline in (video_pipeline, image_pipeline, test_pipeline):
            assert pipeline[-2] == dict(
                type='FormatShape', input_format='NCTHW'), path


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('synthetic') / 'data'
    make_synthetic_datasets(
        str(root),
        busv=dict(num_benign=3, num_malignant=3, frames=(8, 12),
                  size=(48, 48)),
        busi=dict(num_benign=3, num_malignant=3, num_normal=0,
                  size=(48, 48)),
        progress=False)
    return root


def point_at(dataset, data_root):
    """Set the BUSV/BUSI roots of a (possibly mixed) dataset config."""
    roots = dict(
        BUSVDataset=str(data_root / 'busv'),
        BUSIDataset=str(data_root / 'Dataset_BUSI_with_GT'))
    if dataset.type in roots:
        dataset.data_root = roots[dataset.type]
    for value in dataset.values():
        if isinstance(value, dict) and 'type' in value:
            point_at(value, data_root)


@pytest.mark.slow
@pytest.mark.parametrize('path', DEMOS, ids=config_id)
def test_demo_trains_one_iteration_and_tests(path, data_root, tmp_path):
    cfg = Config.fromfile(path)
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg[name]
        loader.num_workers = 0
        loader.persistent_workers = False
        point_at(loader.dataset, data_root)
    cfg.train_cfg.max_iters = 1
    cfg.work_dir = str(tmp_path)
    cfg.experiment_name = config_id(path).replace('/', '_')
    cfg.log_level = 'WARNING'

    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 1
    metrics = runner.test()
    assert metrics  # the test split's metrics, whatever the evaluator
