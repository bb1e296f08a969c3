"""The configs ``tools/gpu_check.py`` trains and tests.

Each is a paper config (KGA-Net and the five baselines of Table 1) changed
only where the check needs it: random initialisation (no weights can be
fetched), the check's data root, a few iterations, no validation, a
checkpoint at the end, a log line per iteration, and a few test videos. With
``tiny`` the clips also shrink (fewer frames, smaller crops, batch 1 + 1) and
the loaders run in the main process, so that the same code path runs on a
CPU in seconds.
"""
import os.path as osp
from typing import Dict, List

from mmengine.config import Config

from kga_mmaction.benchmark.builders import REPO_ROOT, no_pretrained
from kga_mmaction.datasets.busi.layout import BUSI_FOLDER
from kga_mmaction.synthetic import BUSV_DIRNAME

#: Row name -> paper config, in report order.
PAPER_CONFIGS: Dict[str, str] = {
    name: osp.join(REPO_ROOT, 'configs', path)
    for name, path in (
        ('KGA-Net', 'kga_net/kga-net_r50-in1k-pre_1xb16-1x1x16-8k_busv-busi.py'),
        ('I3D', 'baselines/i3d_r50-k400-pre_1xb16-32x2x1-8k_busv-busi.py'),
        ('SlowFast',
         'baselines/slowfast_r50-k400-pre_1xb16-4x16x1-8k_busv-busi.py'),
        ('R(2+1)D',
         'baselines/r2plus1d_r34-k400-pre_1xb16-32x2x1-8k_busv-busi.py'),
        ('CSN', 'baselines/'
         'ircsn_r50-bnfrozen-k400-pre_1xb16-32x2x1-8k_busv-busi.py'),
        ('MViT', 'baselines/mvit-small-p244_k400-pre_1xb16-16x4x1-8k_busv-busi.py'),
    )
}

#: ``tiny``: frames per clip (3D) or sampled frames (2D), frame side, and
#: the global training batch (half clips, half images).
TINY_FRAMES = 8
TINY_SIZE = 32
TINY_BATCH = 2


def tiny_pipeline(pipeline: List[dict]) -> List[dict]:
    """A pipeline with fewer frames and ``TINY_SIZE`` px crops; every
    transform kept, in order."""
    out = []
    for t in pipeline:
        t = dict(t)
        kind = t['type']
        if kind == 'SampleFrames':
            t.update(clip_len=min(t.get('clip_len', 1), TINY_FRAMES),
                     frame_interval=1,
                     num_clips=min(t.get('num_clips', 1), 2 if t.get(
                         'clip_len', 1) > 1 else TINY_FRAMES // 2))
        elif kind == 'SampleUpToFrames':
            t['max_frames'] = TINY_FRAMES
        elif kind == 'LoadImageAsFrames':
            t['num_frames'] = min(t.get('num_frames', 1), TINY_FRAMES)
        elif kind == 'Resize':
            t['scale'] = ((-1, TINY_SIZE + TINY_SIZE // 8)
                          if t.get('keep_ratio', True) else
                          (TINY_SIZE, TINY_SIZE))
        elif kind in ('CenterCrop', 'ThreeCrop', 'TenCrop'):
            t['crop_size'] = TINY_SIZE
        out.append(t)
    return out


def check_config(config: str, data_root: str, iters: int, test_videos: int,
                 tiny: bool) -> Config:
    """A paper config as the check runs it.

    Args:
        config (str): Path of the paper config.
        data_root (str): Root holding ``busv/`` and the BUSI folder, as
            ``make_synthetic.py`` writes it.
        iters (int): Training iterations.
        test_videos (int): Test videos (the first of the test split).
        tiny (bool): Shrink the clips and the batch (CPU check).

    Returns:
        Config: The config to write next to the run and train from.
    """
    cfg = Config.fromfile(config)
    no_pretrained(cfg.model)
    cfg.load_from = None
    busv, busi = osp.join(data_root, BUSV_DIRNAME), osp.join(
        data_root, BUSI_FOLDER)
    train = cfg.train_dataloader
    train.dataset.video.data_root = busv
    train.dataset.image.data_root = busi
    test = cfg.test_dataloader
    test.dataset.data_root = busv
    test.dataset.indices = test_videos
    cfg.train_cfg.max_iters = iters
    cfg.train_cfg.val_interval = iters + 1
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint.interval = iters
    cfg.default_hooks.logger.interval = 1
    cfg.log_processor.window_size = 1
    if tiny:
        train.batch_size = TINY_BATCH
        train.dataset.video.pipeline = tiny_pipeline(
            train.dataset.video.pipeline)
        train.dataset.image.pipeline = tiny_pipeline(
            train.dataset.image.pipeline)
        test.dataset.pipeline = tiny_pipeline(test.dataset.pipeline)
        for loader in (train, test):  # no worker start-up on a small CPU
            loader.update(num_workers=0, persistent_workers=False)
            loader.pop('prefetch_factor', None)
    return cfg
