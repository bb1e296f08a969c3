"""Section ``data``: the demo config's training dataloader on the synthetic
data, samples/s with 0 and 2 workers, next to the demo model's consumption
(training iterations/s x batch size)."""
import copy
import os.path as osp
import time

from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.runner import Runner
from torch.utils.data import DataLoader

from kga_mmaction.datasets.busi.layout import BUSI_FOLDER
from kga_mmaction.synthetic import BUSV_DIRNAME
from ..builders import DEMO_CONFIG, REPO_ROOT, build_model, load_cfg
from ..settings import BenchmarkContext
from ..timing import summarize, time_interleaved

#: Dataloader workers compared.
WORKERS = (0, 2)


def demo_cfg(data_root: str) -> Config:
    """The demo config with its training data at ``data_root``."""
    cfg = load_cfg(DEMO_CONFIG)
    dataset = cfg.train_dataloader.dataset
    dataset.video.data_root = osp.join(data_root, BUSV_DIRNAME)
    dataset.image.data_root = osp.join(data_root, BUSI_FOLDER)
    return cfg


def time_loader(loader: DataLoader, ctx: BenchmarkContext) -> tuple:
    """Seconds per sample of up to ``data_batches`` batches of one epoch
    (after its first batch, untimed: worker start-up), ``repeats`` times.

    Returns:
        tuple: The seconds per sample of each repeat, the batches each
        timed, and the first batch of the first epoch.

    Raises:
        RuntimeError: An epoch has a single batch.
    """
    times, timed_batches, first_batch = [], [], None
    for _ in range(ctx.repeats):
        it = iter(loader)
        batch = next(it)  # worker start-up and first batch: untimed
        first_batch = first_batch or batch
        start = time.perf_counter()
        samples = batches = 0
        for batch in it:  # within one epoch: no worker restarts
            samples += len(batch['inputs'])
            batches += 1
            if batches == ctx.sizes['data_batches']:
                break
        elapsed = time.perf_counter() - start
        del it
        if batches:
            times.append(elapsed / samples)
            timed_batches.append(batches)
    if not times:
        raise RuntimeError(f'an epoch of the demo dataloader on '
                           f'{ctx.data_root} has a single batch: '
                           'too little data to time')
    return times, timed_batches, first_batch


def run(ctx: BenchmarkContext) -> dict:
    """Time the dataloader with each of :data:`WORKERS`, then the demo
    model's training step on its first batch.

    Returns:
        dict: The config, data root and batch size, one row per worker
        count, and the model's step, iterations/s and samples/s.
    """
    cfg = demo_cfg(ctx.data_root)
    batch_size = cfg.train_dataloader.batch_size
    rows = []
    first_batch = None
    for workers in WORKERS:
        loader_cfg = copy.deepcopy(cfg.train_dataloader)
        loader_cfg.num_workers = workers
        loader_cfg.persistent_workers = False
        loader = Runner.build_dataloader(loader_cfg, seed=0)
        times, timed_batches, batch = time_loader(loader, ctx)
        first_batch = first_batch or batch
        t = summarize(times)
        rows.append(dict(workers=workers, batches=timed_batches,
                         seconds_per_sample=t,
                         samples_per_s=1 / t['median_s']))
    model = build_model(cfg.model, ctx.device, train=True)
    optim_wrapper = build_optim_wrapper(model, copy.deepcopy(
        cfg.optim_wrapper))
    step = time_interleaved(
        {'x': lambda: model.train_step(copy.copy(first_batch),
                                       optim_wrapper)},
        ctx.repeats, ctx.warmup, ctx.device)['x']
    consumption = batch_size / step['median_s']
    for row in rows:
        row['pipeline_over_consumption'] = row['samples_per_s'] / consumption
    return dict(config=osp.relpath(DEMO_CONFIG, REPO_ROOT),
                data_root=ctx.data_root, batch_size=batch_size, rows=rows,
                model_step=step, model_iters_per_s=1 / step['median_s'],
                model_samples_per_s=consumption,
                note='the workers share the CPU with nothing else here; '
                'while training, they share it with the model')
