"""Distributed training on machines without CUDA (gloo on the CPU)."""
import datetime
import logging

import torch
import torch.distributed as dist
from mmengine.config import Config
from mmengine.logging import print_log


def setup_cpu_distributed(cfg: Config) -> Config:
    """Let ``--launcher pytorch`` train on the CPU, with the gloo backend.

    mmengine's ``init_dist`` calls ``torch.cuda.set_device`` before it creates
    the process group, and its default DDP wrapper passes
    ``device_ids=[LOCAL_RANK]``; both fail where no GPU is visible. There,
    this starts the gloo process group from the launcher's environment, so
    that the Runner skips ``init_dist``, and wraps the model in DDP without
    ``device_ids`` (an explicit ``model_wrapper_cfg`` is kept). torch's
    SyncBatchNorm runs on GPUs only, so a config's ``sync_bn`` is dropped
    with a warning: each process normalises over its own share of the
    batch. Does nothing when CUDA is available or the launcher is not
    ``'pytorch'``.

    Args:
        cfg (Config): The config, with ``launcher`` merged in.

    Returns:
        Config: ``cfg``, updated in place.
    """
    if cfg.get('launcher', 'none') != 'pytorch' or torch.cuda.is_available():
        return cfg
    dist_cfg = dict(cfg.get('env_cfg', {}).get('dist_cfg', {}))
    dist_cfg['backend'] = 'gloo'
    cfg.merge_from_dict(dict(env_cfg=dict(dist_cfg=dist_cfg)))
    if not dist.is_initialized():
        timeout = dist_cfg.get('timeout')
        kwargs = {} if timeout is None else dict(
            timeout=datetime.timedelta(seconds=timeout))
        dist.init_process_group('gloo', **kwargs)
    if cfg.get('sync_bn'):
        print_log(
            f"sync_bn={cfg.sync_bn!r} is ignored on the CPU (torch's "
            'SyncBatchNorm needs GPU modules): BatchNorm statistics stay '
            'per process', logger='current', level=logging.WARNING)
        cfg.sync_bn = None
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel',
            device_ids=None,
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    return cfg
