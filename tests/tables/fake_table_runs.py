"""Fake runs of a results table: :class:`FakeTools` replaces
``subprocess.run`` and stands in for ``tools/train.py`` (it writes
``last_checkpoint``) and ``tools/test.py`` (it writes, through
``DumpPredictions``, the predictions of the fold part that the command asks
for), so that a table's pooling, thresholds and tests are checked without
training.

Two fake configs: ``kga.py`` separates the classes better than
``other.py`` and, like KGA-Net, gives frame weights and per-frame video
logits (for the lesion-area oracle); the test videos carry lesion areas.
"""
import os.path as osp
import zlib
from typing import List, Optional

import numpy as np
import torch

from kga_mmaction.datasets.busv import cross_validation_parts
from kga_mmaction.datasets.busv.cross_validation import \
    DEFAULT_INNER_VAL_FRACTION
from kga_mmaction.evaluation import DumpPredictions
from kga_mmaction.tables import TableSettings, make_table

#: 12 benign and 18 malignant fake videos.
VIDEOS = {f'v{i:02d}': int(i >= 12) for i in range(30)}
#: How well each fake config separates the classes.
SIGNAL = {'other.py': 0.8, 'kga.py': 1.4}
#: The config whose model gives frame weights.
ATTENDING = 'kga.py'
#: Frames of every fake video.
NUM_FRAMES = 5


def fake_score(config: str, video: str, seed: int) -> float:
    """A score in [0, 1] with 3 decimals (float32 keeps their order)."""
    noise = np.random.default_rng(
        zlib.crc32(f'{config}/{video}/{seed}'.encode())).normal()
    logit = SIGNAL[config] * (2 * VIDEOS[video] - 1) + noise
    return round(float(1 / (1 + np.exp(-logit))), 3)


def fake_frame_weights(score: float) -> np.ndarray:
    """The frame weights of a video of this score, ``[NUM_FRAMES]``."""
    return np.array([score, 1 - score, 0.25, 0.5 * score, 0.1])


def fake_frame_video_logits(video: str, seed: int) -> np.ndarray:
    """Per-frame video logits ``[NUM_FRAMES, 2]``, float32 values; class
    0's are 0, so each frame's positive log-odds is its class-1 logit."""
    rng = np.random.default_rng(zlib.crc32(f'frames/{video}/{seed}'.encode()))
    positive = rng.normal(2 * VIDEOS[video] - 1, 1.5, NUM_FRAMES)
    logits = np.stack([np.zeros(NUM_FRAMES), positive], axis=1)
    return logits.astype(np.float32).astype(np.float64)


def fake_oracle_log_odds(video: str, seed: int) -> float:
    """The lesion-area oracle's positive log-odds, by hand: the class-1
    frame logits averaged with the areas as weights."""
    areas = fake_lesion_areas(video)
    return float(areas @ fake_frame_video_logits(video, seed)[:, 1] /
                 areas.sum())


def fake_lesion_areas(video: str) -> np.ndarray:
    """The lesion area of each frame, distinct, ``[NUM_FRAMES]``."""
    return np.roll(np.arange(NUM_FRAMES, dtype=np.float64), int(video[1:]))


def option(command: List[str], name: str,
           default: Optional[str] = None) -> Optional[str]:
    return command[command.index(name) + 1] if name in command else default


def videos_of_part(folds, fold, fold_seed, part: str) -> List[str]:
    """The videos of a fold part (all videos without folds)."""
    if folds is None:
        return list(VIDEOS)
    parts = cross_validation_parts(list(VIDEOS), list(VIDEOS.values()),
                                   int(folds), int(fold), int(fold_seed),
                                   DEFAULT_INNER_VAL_FRACTION)
    return [v for v, p in zip(VIDEOS, parts) if p == part]


class FakeTools:
    """``subprocess.run`` for tools/train.py and tools/test.py; records
    every command in ``calls``."""

    def __init__(self):
        self.calls = []

    def __call__(self, command, **kwargs):
        self.calls.append(command)
        script, config = osp.basename(command[1]), osp.basename(command[2])
        work_dir = option(command, '--work-dir')
        if script == 'train.py':
            with open(osp.join(work_dir, 'last_checkpoint'), 'w') as f:
                f.write(osp.join(work_dir, f'seed{option(command, "--seed")}'
                                 '.pth'))
            return
        seed = int(osp.basename(command[3])[len('seed'):-len('.pth')])
        videos = videos_of_part(option(command, '--folds'),
                                option(command, '--fold'),
                                option(command, '--fold-seed'),
                                option(command, '--fold-part', 'test'))
        dump = DumpPredictions(option(command, '--out-predictions'))
        samples = []
        for video in videos:
            score = fake_score(config, video, seed)
            sample = dict(pred_score=torch.tensor([1 - score, score]),
                          gt_label=torch.tensor([VIDEOS[video]]),
                          video_id=video,
                          frame_lesion_areas=fake_lesion_areas(video))
            if config == ATTENDING:
                sample['frame_weights'] = torch.tensor(
                    fake_frame_weights(score))
                sample['frame_video_logits'] = torch.tensor(
                    fake_frame_video_logits(video, seed),
                    dtype=torch.float32)
            samples.append(sample)
        dump.process(None, samples)
        dump.compute_metrics(dump.results)


def make_fake_table(tmp_path, seeds=(0, ), num_folds=None, bootstrap=2000,
                    reference='KGA-Net', oracle_of=None) -> str:
    """The table of rows ``Other`` (other.py) and ``KGA-Net`` (kga.py)
    (and the oracle row of ``oracle_of``), run in ``tmp_path / 'runs'``."""
    settings = TableSettings(
        configs=('other.py', 'kga.py'), names=('Other', 'KGA-Net'),
        reference=reference, seeds=tuple(seeds), num_folds=num_folds,
        fold_seed=0, bootstrap=bootstrap, bootstrap_seed=0, cfg_options=(),
        title='Fake', oracle_of=oracle_of)
    return make_table(settings, str(tmp_path / 'runs'), jobs=1)


def mean_std(values) -> str:
    """``'mean +- std'`` in percent, as the table prints it."""
    values = 100 * np.asarray(values)
    return f'{values.mean():.2f} +- {values.std():.2f}'
