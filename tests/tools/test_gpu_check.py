"""``tools/gpu_check.py``: the configs it derives, what it reads from the
logs, and the whole check end to end on the CPU (``--device cpu --tiny``),
so that the script is known to work the first time a GPU is there."""
import json
import math
import os.path as osp
import subprocess
import sys

import pytest
from mmengine.config import Config

from kga_mmaction.gpu_check import PAPER_CONFIGS, check_config
from kga_mmaction.gpu_check.configs import TINY_FRAMES, TINY_SIZE
from kga_mmaction.gpu_check.logs import TEST_LINE, summarise_train
from runner_options import ROOT


def pretrained_paths(cfg) -> list:
    """Every checkpoint a config would load at build or start."""
    found = []
    if isinstance(cfg, dict):
        for key, value in cfg.items():
            if key in ('pretrained', 'checkpoint', 'load_from') and isinstance(
                    value, str):
                found.append(value)
            found += pretrained_paths(value)
    elif isinstance(cfg, (list, tuple)):
        for item in cfg:
            found += pretrained_paths(item)
    return found


@pytest.mark.parametrize('name', list(PAPER_CONFIGS))
def test_check_config_is_random_init_on_the_check_data(name, tmp_path):
    paper = Config.fromfile(PAPER_CONFIGS[name])
    assert pretrained_paths(paper.to_dict()), 'the paper config loads none'
    cfg = check_config(PAPER_CONFIGS[name], str(tmp_path), iters=3,
                       test_videos=2, tiny=True)
    assert pretrained_paths(cfg.to_dict()) == []
    train = cfg.train_dataloader
    assert train.dataset.video.data_root == osp.join(str(tmp_path), 'busv')
    assert train.dataset.image.data_root.startswith(str(tmp_path))
    assert cfg.test_dataloader.dataset.indices == 2
    assert cfg.train_cfg.max_iters == 3 and cfg.val_cfg is None
    assert cfg.default_hooks.checkpoint.interval == 3
    pipelines = (train.dataset.video.pipeline, train.dataset.image.pipeline,
                 cfg.test_dataloader.dataset.pipeline)
    # every transform kept, in order; only sizes change
    old = (paper.train_dataloader.dataset.video.pipeline,
           paper.train_dataloader.dataset.image.pipeline,
           paper.test_dataloader.dataset.pipeline)
    for new, before in zip(pipelines, old):
        assert [t['type'] for t in new] == [t['type'] for t in before]
        for t in new:
            assert t.get('clip_len', 1) <= TINY_FRAMES
            assert t.get('num_frames', 1) <= TINY_FRAMES
            assert t.get('crop_size', TINY_SIZE) == TINY_SIZE


def test_full_size_check_config_keeps_the_paper_clips(tmp_path):
    name = 'KGA-Net'
    cfg = check_config(PAPER_CONFIGS[name], str(tmp_path), iters=20,
                       test_videos=2, tiny=False)
    paper = Config.fromfile(PAPER_CONFIGS[name])
    assert (cfg.train_dataloader.dataset.video.pipeline ==
            paper.train_dataloader.dataset.video.pipeline)
    assert cfg.train_dataloader.batch_size == paper.train_dataloader.batch_size


def test_summary_skips_warm_up_and_flags_non_finite_terms():
    records = [
        dict(time=9.0, data_time=5.0, loss=1.0, loss_cls=0.7, memory=100),
        dict(time=1.0, data_time=0.5, loss=1.0, loss_cls=0.7, memory=300),
        dict(time=3.0, data_time=0.5, loss=math.nan, loss_cls=math.nan,
             loss_center=1.0, memory=200),
    ]
    s = summarise_train(records)
    assert s['iterations'] == 3
    assert s['seconds_per_iter'] == 2.0  # median of iterations 2 and 3
    assert s['data_wait_share'] == 0.25
    assert s['peak_memory_mb'] == 300
    assert s['losses_finite'] == dict(loss=False, loss_center=True,
                                      loss_cls=False)


def test_test_log_lines_are_read_with_and_without_cuda_memory():
    cpu = ('12/07 05:54:08 - mmengine - INFO - Iter(test) [2/2]    eta: '
           '0:00:00  time: 0.3347  data_time: 0.0108  ')
    gpu = ('12/07 05:54:08 - mmengine - INFO - Epoch(test) [ 3/40]    eta: '
           '0:00:01  time: 0.0412  data_time: 0.0100  memory: 2210  ')
    summary = ('Iter(test) [2/2]    diagnosis/auc: 0.5000  data_time: 0.2277'
               '  time: 0.6920')
    assert TEST_LINE.search(cpu).group(3, 4, 5) == ('0.3347', '0.0108', None)
    assert TEST_LINE.search(gpu).group(3, 5) == ('0.0412', '2210')
    assert TEST_LINE.search(summary) is None


@pytest.mark.slow
def test_tiny_check_trains_and_tests_every_model_on_the_cpu(tmp_path):
    out = tmp_path / 'reports'
    result = subprocess.run(
        [sys.executable, 'tools/gpu_check.py', '--device', 'cpu', '--tiny',
         '--work-root', str(tmp_path / 'work'), '--out-dir', str(out)],
        cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads((out / 'gpu-cpu-tiny.json').read_text())
    assert list(report['models']) == list(PAPER_CONFIGS)
    assert report['environment']['packages']['mmaction2']
    for name, row in report['models'].items():
        assert row['ok'], name
        assert row['train']['iterations'] == 2, name
        assert row['train']['losses_finite'] and all(
            row['train']['losses_finite'].values()), name
        assert row['train']['seconds_per_iter'] > 0, name
        assert row['test']['fp32']['videos'] == 2, name
    assert set(report['models']['KGA-Net']['test']) == {'fp32', 'fast'}
    page = (out / 'gpu-cpu-tiny.md').read_text()
    assert all(f'| {name} | ok |' in page for name in PAPER_CONFIGS)
