"""Every config under ``configs/`` builds; every demo config runs.

* Build: ``Config.fromfile`` + ``MODELS.build(cfg.model)`` (pretrained
  weights and ``load_from`` off) for every config but ``_base_`` files and
  the paper config (``test_paper_config.py`` covers it), with the invariants
  of a kga-mmaction experiment: 2 classes, no SyncBN in the built model
  (the Runner converts BN only under a launcher),
  iteration-based schedule, checkpoints and logs, and the runtime's hooks
  (atomic checkpoints, the work-dir lock, the non-finite guard). The
  backbone pretraining configs (``configs/pretrain/``, mmpretrain image
  classifiers) have their own tests (``test_pretrain_configs.py``).
* Run (slow): each demo config trains one iteration, validates and tests
  through ``Runner.from_cfg``, the real datasets and pipelines, on a
  miniature synthetic BUSV + BUSI; the attention-pooled TSN config trains
  and tests on a generated ``VideoDataset`` list of video files.
"""
import glob
import json
import os
import os.path as osp
import re
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from mmaction.models import Recognizer2D
from mmaction.registry import HOOKS, MODELS
from mmengine.config import Config
from mmengine.runner import Runner
from torch.utils.data import DataLoader

from kga_mmaction.benchmark.builders import no_pretrained
from kga_mmaction.engine import AtomicCheckpointHook
from runner_options import make_tiny_data

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
PRETRAIN = [
    path for path in CONFIGS if osp.basename(osp.dirname(path)) == 'pretrain'
]
TSN_ATTENTION = osp.join(
    CONFIG_DIR, 'tsn_attention',
    'tsn-attention_r50-in1k-pre_1xb16-1x1x8-8k_video-list.py')
MMACTION_CHECKPOINTS = 'https://download.openmmlab.com/mmaction/v1.0/'


def config_id(path: str) -> str:
    """``demo/i3d_...`` for a config path."""
    return osp.splitext(osp.relpath(path, CONFIG_DIR))[0]


def test_the_glob_finds_every_kind_of_config():
    kinds = {osp.basename(osp.dirname(path)) for path in CONFIGS}
    assert kinds == {
        'baselines', 'demo', 'kga_net', 'pretrain', 'recipe_study',
        'tsn_attention'
    }
    assert len(BASELINES) == 5  # I3D, SlowFast, R(2+1)D, CSN, MViT
    # the KGA-Net demo, its start from the pretrained stand-in (with and
    # without the coherence loss: what make demo trains), its 3 ablations
    # and the 5 baselines
    assert len(DEMOS) == 11


@pytest.mark.parametrize(
    'path', [path for path in CONFIGS if path not in [PAPER, *PRETRAIN]],
    ids=config_id)
def test_config_builds(path):
    cfg = Config.fromfile(path)
    model = MODELS.build(no_pretrained(cfg.model))

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


@pytest.mark.slow
def test_every_config_runs_a_forward_without_mmcv_ops():
    """mmcv-lite is enough, on CUDA too: in a process where ``mmcv.ops``
    and ``mmcv._ext`` cannot be imported (as with mmcv-lite, whatever mmcv
    is installed), every config, the paper and pretraining configs
    included, builds its model and runs one test-mode forward on a small
    input."""
    script = osp.join(ROOT, 'tests', 'forward_without_mmcv_ops.py')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [ROOT, osp.join(ROOT, 'tests'), os.environ.get('PYTHONPATH', '')]))
    result = subprocess.run([sys.executable, script, *CONFIGS], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    *runs, blocked = [json.loads(line) for line in result.stdout.splitlines()
                      if line.startswith('{')]
    assert [run['config'] for run in runs] == CONFIGS
    for run in runs:
        assert run['outputs'] == 1 and run['scores_finite'], run
    # mmcv itself asked for the ops (MultiScaleDeformableAttention) and was
    # refused: the blocker sits where a config needing them would fail
    assert 'mmcv.ops' in blocked['blocked']


LOADER_REPORT = osp.join(ROOT, 'benchmarks', 'cpu-2core.json')
LOADER_KEYS = ('num_workers', 'persistent_workers', 'pin_memory',
               'prefetch_factor')
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def loader_kwargs(loader) -> dict:
    """The loading settings of a dataloader config, as DataLoader takes
    them."""
    return {k: loader[k] for k in LOADER_KEYS if k in loader}


@pytest.mark.parametrize(
    'path', [p for p in CONFIGS
             if osp.basename(osp.dirname(p)) in ('kga_net', 'baselines')],
    ids=config_id)
def test_paper_loaders_follow_the_loader_benchmark(path):
    """As many workers as the benchmark projects for one GPU on the JPEG
    copy (a dedicated core each), fewer than the lent GPU machine's cores
    (the training process needs one); persistent, pinned, prefetching."""
    with open(LOADER_REPORT) as f:
        projection = json.load(f)['sections']['loader']['projection']
    needed = max(gpu['workers']['jpg']['cpu'] for gpu in projection['gpus'])
    cores = projection['cores']['lent_h100_machine']
    cfg = Config.fromfile(path)
    loader = cfg.train_dataloader
    assert needed <= loader.num_workers < cores
    assert loader.persistent_workers is True and loader.pin_memory is True
    assert loader.prefetch_factor >= 1
    for name in LOADERS:  # settings torch accepts
        DataLoader([0], **loader_kwargs(cfg[name]))


@pytest.mark.parametrize('path', DEMOS + RECIPE_STUDY, ids=config_id)
def test_cpu_configs_load_in_the_main_process_when_told(path):
    """CPU configs pin no memory and keep torch's prefetch default, so
    that the tests' override (``num_workers=0, persistent_workers=False``)
    is valid."""
    cfg = Config.fromfile(path)
    for name in LOADERS:
        kwargs = loader_kwargs(cfg[name])
        assert kwargs['pin_memory'] is False, name
        DataLoader([0], **kwargs)
        DataLoader([0], **dict(kwargs, num_workers=0,
                               persistent_workers=False))


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


def test_tsn_attention_is_stock_tsn_with_the_head_swapped():
    cfg = Config.fromfile(TSN_ATTENTION)
    # pretrained ImageNet weights are named, but not downloaded here
    assert cfg.model.backbone.pretrained.startswith(
        'https://download.pytorch.org/models/resnet50-')
    model = MODELS.build(no_pretrained(cfg.model))
    assert type(model) is Recognizer2D
    assert type(model.cls_head).__name__ == 'FrameAttentionHead'
    assert model.cls_head.loss_center is None  # no images, no centers
    assert model.backbone.depth == 50
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[name].dataset.type == 'VideoDataset'
    assert cfg.test_evaluator.type == 'BinaryDiagnosisMetric'


def write_video(path, brightness, num_frames=10, size=(48, 64)):
    """An MJPG video of uniform frames of one grey level, plus noise."""
    height, width = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), 5,
                             (width, height))
    assert writer.isOpened()
    rng = np.random.default_rng(brightness)
    for _ in range(num_frames):
        noise = rng.integers(0, 40, (height, width, 3))
        writer.write((brightness + noise).astype(np.uint8))
    writer.release()


def shrink_pipeline(pipeline, size):
    """The same transforms, at ``size`` pixels instead of 224 / 256."""
    for step in pipeline:
        if step.type == 'Resize':
            step.scale = (-1, size + 8) if step.scale[0] == -1 else (size,
                                                                      size)
        for key in ('input_size', 'crop_size'):
            if key in step:
                step[key] = size


@pytest.mark.slow
def test_tsn_attention_trains_and_tests_on_a_video_list(tmp_path):
    """Recognizer2D + FrameAttentionHead through the Runner: the shipped
    config with a ResNet-18, small crops and a generated video list."""
    videos = tmp_path / 'videos'
    videos.mkdir()
    lines = []
    for i in range(6):
        label = i % 2
        write_video(videos / f'case{i}.avi', brightness=40 + 150 * label)
        lines.append(f'case{i}.avi {label}')
    ann_file = tmp_path / 'list.txt'
    ann_file.write_text('\n'.join(lines) + '\n')

    cfg = Config.fromfile(TSN_ATTENTION)
    cfg.model.backbone.update(depth=18, pretrained=None)
    cfg.model.cls_head.in_channels = 512
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg[name]
        loader.update(batch_size=2, num_workers=0, persistent_workers=False)
        loader.dataset.update(ann_file=str(ann_file),
                              data_prefix=dict(video=str(videos)))
        shrink_pipeline(loader.dataset.pipeline, size=32)
    cfg.train_cfg.update(max_iters=2, val_interval=2)
    cfg.work_dir = str(tmp_path / 'work_dir')
    cfg.log_level = 'WARNING'

    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 2
    predictions = []
    runner.model.register_forward_hook(
        lambda module, args, kwargs, out: predictions.extend(
            out if kwargs.get('mode') == 'predict' else []),
        with_kwargs=True)
    metrics = runner.test()
    assert 0 <= metrics['diagnosis/auc'] <= 1
    assert len(predictions) == 6
    # 25 clips x 10 crops of every test video, each weighed by attention
    assert all(p.frame_weights.shape == (250, ) for p in predictions)
    assert all(p.pred_score.sum().item() == pytest.approx(1.)
               for p in predictions)


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return make_tiny_data(tmp_path_factory.mktemp('synthetic') / 'data',
                          per_class=3, frames=(8, 12))


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
    # from random init: the pretrained start is test_pretrain_configs'
    no_pretrained(cfg.model)
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
    if any(hook.get('type') == 'DiagnosisVisualizationHook'
           for hook in cfg.get('custom_hooks', [])):
        # the attention figures of the tracked videos, at the validation
        # after iteration 1 and at test, in the LocalVisBackend's folder
        names = {osp.basename(p) for p in glob.glob(osp.join(
            str(tmp_path), '*', 'vis_data', 'vis_image', '*.png'))}
        assert any(re.fullmatch(r'val_attention_.+_1\.png', n)
                   for n in names), sorted(names)
        assert any(re.fullmatch(r'test_attention_.+_0\.png', n)
                   for n in names), sorted(names)
