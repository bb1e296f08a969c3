"""Distributed training: 2 processes on the CPU (gloo) under
``torch.distributed.run`` and ``tools/train.py --launcher pytorch``.

A test-only hook (``runner_probes.RankStateDumpHook``) makes each rank dump
its model at the end of training and the indices its train sampler yielded.
Without CUDA, ``tools/train.py`` switches to gloo and CPU DDP by itself
(:func:`kga_mmaction.engine.setup_cpu_distributed`).
"""
import os.path as osp

import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.model import convert_sync_batchnorm
from torch.nn.modules.batchnorm import _BatchNorm

from runner_options import (DEMO, ROOT, cfg_options, free_port,
                            make_tiny_data, output_tail, run_python,
                            tiny_training_options)

pytestmark = pytest.mark.slow

WORLD_SIZE = 2
# The global batch: 4 clips + 4 images, i.e. 2 + 2 on each rank
VIDEOS, IMAGES = 4, 4
MAX_ITERS = 3  # 2 iterations per epoch on each rank: crosses an epoch
SCHEDULE = [
    '--cfg-options', 'optim_wrapper.optimizer.lr=0.1',
    f'param_scheduler.0.end={MAX_ITERS}'
]


def probe_config(tmp_path) -> str:
    """The demo config plus the dump hook."""
    config = tmp_path / 'kga-net_probe.py'
    config.write_text(
        f'_base_ = [{DEMO!r}]\n'
        "custom_hooks = [dict(type='runner_probes.RankStateDumpHook')]\n")
    return str(config)


def launch(data_root, tmp_path, work_dir, max_iters, *extra):
    """``tools/train.py --launcher pytorch`` on WORLD_SIZE CPU processes."""
    return run_python(
        '-m', 'torch.distributed.run', f'--nproc_per_node={WORLD_SIZE}',
        '--master_addr=127.0.0.1', f'--master_port={free_port()}',
        osp.join(ROOT, 'tools', 'train.py'), probe_config(tmp_path),
        '--launcher', 'pytorch', '--work-dir', str(work_dir), '--seed', '0',
        *cfg_options(data_root, max_iters),
        *tiny_training_options(videos=VIDEOS, images=IMAGES),
        *SCHEDULE, *extra, timeout=300)


def load(path) -> dict:
    return torch.load(path, map_location='cpu', weights_only=False)


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return make_tiny_data(tmp_path_factory.mktemp('dist') / 'data')


@pytest.fixture(scope='module')
def ranks(data_root, tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('work')
    result = launch(data_root, tmp_path_factory.mktemp('cfg'), work_dir,
                    MAX_ITERS)
    assert result.returncode == 0, output_tail(result)
    assert f'Iter(train) [{MAX_ITERS}/{MAX_ITERS}]' in result.stdout
    return work_dir, result.stdout + result.stderr, [
        load(work_dir / f'rank{r}.pth') for r in range(WORLD_SIZE)
    ]


def test_ranks_train_one_ddp_model(ranks):
    _, _, records = ranks
    assert [r['rank'] for r in records] == list(range(WORLD_SIZE))
    for record in records:
        assert record['world_size'] == WORLD_SIZE
        assert record['wrapper'] == 'MMDistributedDataParallel'


def test_ranks_end_with_identical_weights(ranks):
    """Every tensor, the class centers and the BN statistics included (the
    SyncBuffersHook averages the buffers at the end of training)."""
    work_dir, _, records = ranks
    first = records[0]['state_dict']
    assert 'cls_head.loss_center.centers' in first
    for record in records[1:]:
        other = record['state_dict']
        assert other.keys() == first.keys()
        unequal = [k for k in first if not torch.equal(first[k], other[k])]
        assert not unequal, unequal
    # rank 0's last checkpoint holds these parameters (not these BN
    # statistics: it is saved before the SyncBuffersHook averages them)
    saved = load(work_dir / f'iter_{MAX_ITERS}.pth')['state_dict']
    for key in records[0]['parameter_names']:
        assert torch.equal(saved[key], first[key]), key
    # the centers were trained, not left at their initial values
    earlier = load(work_dir / 'iter_2.pth')['state_dict']
    assert not torch.equal(earlier['cls_head.loss_center.centers'],
                           first['cls_head.loss_center.centers'])


def test_the_global_batch_is_split_across_ranks(ranks):
    """``batch_size`` is global: each step, the ranks together hold
    VIDEOS clips + IMAGES images, each rank its half, clips first."""
    _, _, records = ranks
    videos = set(records[0]['video_indices'])
    per_rank = [[batch for epoch in r['sampler_passes'] for batch in epoch]
                for r in records]
    for step in zip(*per_rank):
        for batch in step:
            assert [i in videos for i in batch] == (
                [True] * (VIDEOS // WORLD_SIZE) +
                [False] * (IMAGES // WORLD_SIZE))
        together = [i for batch in step for i in batch]
        assert sum(i in videos for i in together) == VIDEOS
        assert len(together) == VIDEOS + IMAGES


@pytest.mark.parametrize('source', ['video_indices', 'image_indices'])
def test_sampler_shares_are_disjoint_and_cover_the_epoch(ranks, source):
    _, _, records = ranks
    everything = set(records[0][source])
    epochs = [[[i for batch in epoch for i in batch]
               for epoch in r['sampler_passes']] for r in records]
    assert all(len(passes) == 2 for passes in epochs)  # MAX_ITERS crosses
    for epoch in range(2):
        shares = [set(passes[epoch]) & everything for passes in epochs]
        for r in range(1, WORLD_SIZE):
            assert not shares[0] & shares[r], (epoch, shares)
        if epoch == 0:  # complete: 2 batches on every rank
            assert set().union(*shares) == everything


def test_config_sync_bn_switch_converts_every_batchnorm():
    """``sync_bn='torch'`` in the config: the conversion the Runner applies
    to the demo model under a launcher leaves no plain BatchNorm."""
    cfg = Config.fromfile(DEMO)
    cfg.merge_from_dict(dict(sync_bn='torch'))
    model = MODELS.build(cfg.model)
    num_bn = sum(isinstance(m, _BatchNorm) for m in model.modules())
    model = convert_sync_batchnorm(model, cfg.sync_bn)
    types = [type(m) for m in model.modules() if isinstance(m, _BatchNorm)]
    assert num_bn > 0 and len(types) == num_bn
    assert set(types) == {torch.nn.SyncBatchNorm}


def test_sync_bn_under_the_launcher(ranks):
    """The configs ask for SyncBN (``sync_bn='torch'``): on GPUs the
    launched ranks normalise over the global batch; on the CPU, where torch
    has no SyncBN, training goes on with per-process BatchNorm and says
    so."""
    _, log, records = ranks
    if torch.cuda.is_available():
        for record in records:
            assert record['norm_layers'] == ['SyncBatchNorm']
        return
    for record in records:
        assert record['norm_layers'] == ['BatchNorm2d']
    assert "sync_bn='torch' is ignored on the CPU" in log
