"""A toy mmengine training (one linear layer on 8 random samples, CPU) that
runs the kga-mmaction hooks in about a second.

``toy_runner`` builds it in the test process. Run as a script, it trains in
a process of its own, which a test can have killed in the middle of a
checkpoint save::

    python tests/engine/toy_training.py WORK_DIR MAX_ITERS \
        [--max-keep-ckpts K] [--kill-renaming iter_4.pth] [--fail-at-iter N]
"""
import argparse
import os
import os.path as osp
import signal
import uuid
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric, Evaluator
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner

import kga_mmaction  # noqa: F401  (registers the hooks)

NUM_SAMPLES, BATCH_SIZE, FEATURES = 8, 2, 4


class ToyModel(BaseModel):
    """A linear regression."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(FEATURES, 1)

    def forward(self,
                inputs: List[torch.Tensor],
                targets: List[torch.Tensor],
                mode: str = 'tensor'):
        outputs = self.linear(torch.stack(inputs))
        if mode == 'loss':
            return dict(loss=F.mse_loss(outputs, torch.stack(targets)))
        return list(outputs)


class RisingScore(BaseMetric):
    """``toy/score``: 1 at the first validation, 2 at the second...: every
    validation finds a new best checkpoint."""

    default_prefix = 'toy'

    def __init__(self) -> None:
        super().__init__()
        self.validations = 0

    def process(self, data_batch, data_samples: Sequence) -> None:
        self.results.append(len(data_samples))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        self.validations += 1
        return dict(score=float(self.validations))


class FailAtIter(Hook):
    """Raises ``RuntimeError`` before iteration ``iteration`` (1-based)."""

    def __init__(self, iteration: int) -> None:
        self.iteration = iteration

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch: Optional[dict] = None) -> None:
        if runner.iter + 1 == self.iteration:
            raise RuntimeError(f'toy failure at iteration {self.iteration}')


def toy_data() -> List[dict]:
    generator = torch.Generator().manual_seed(0)
    return [
        dict(inputs=torch.randn(FEATURES, generator=generator),
             targets=torch.randn(1, generator=generator))
        for _ in range(NUM_SAMPLES)
    ]


def toy_runner(work_dir: str,
               max_iters: int,
               checkpoint: Optional[dict] = None,
               val_interval: Optional[int] = None,
               hooks: Sequence = (),
               resume: bool = False) -> Runner:
    """A Runner of ``ToyModel`` with ``AtomicCheckpointHook`` (a checkpoint
    every iteration unless ``checkpoint`` says otherwise), the
    ``WorkDirLockHook`` and ``hooks``; validation (``RisingScore``) every
    ``val_interval`` iterations if given."""
    loader = dict(dataset=toy_data(), batch_size=BATCH_SIZE,
                  sampler=dict(type='DefaultSampler', shuffle=True))
    val = dict(val_dataloader=loader, val_cfg=dict(type='ValLoop'),
               val_evaluator=Evaluator(RisingScore())) if val_interval else {}
    return Runner(
        model=ToyModel(),
        work_dir=work_dir,
        experiment_name=f'toy_{uuid.uuid4().hex}',  # its own logger and hub
        train_dataloader=loader,
        train_cfg=dict(by_epoch=False, max_iters=max_iters,
                       val_interval=val_interval or max_iters),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        default_hooks=dict(checkpoint=dict(
            type='AtomicCheckpointHook', by_epoch=False,
            **(checkpoint or dict(interval=1)))),
        custom_hooks=[dict(type='WorkDirLockHook'), *hooks],
        resume=resume,
        randomness=dict(seed=0),
        default_scope='mmaction',
        log_level='WARNING',
        **val)


def kill_while_renaming(name: str) -> None:
    """Make this process SIGKILL itself when it is about to rename a file
    into place as ``name``, after cutting the file to half its size: the
    state a kill in the middle of writing ``name`` leaves."""
    replace = os.replace

    def replace_or_die(src, dst) -> None:
        if osp.basename(dst) == name:
            with open(src, 'r+b') as f:
                f.truncate(osp.getsize(src) // 2)
            os.kill(os.getpid(), signal.SIGKILL)
        replace(src, dst)

    os.replace = replace_or_die


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('work_dir')
    parser.add_argument('max_iters', type=int)
    parser.add_argument('--max-keep-ckpts', type=int, default=-1)
    parser.add_argument('--kill-renaming', metavar='NAME')
    parser.add_argument('--fail-at-iter', type=int)
    args = parser.parse_args()
    if args.kill_renaming:
        kill_while_renaming(args.kill_renaming)
    hooks = [FailAtIter(args.fail_at_iter)] if args.fail_at_iter else []
    toy_runner(args.work_dir, args.max_iters,
               checkpoint=dict(interval=2,
                               max_keep_ckpts=args.max_keep_ckpts),
               hooks=hooks).train()


if __name__ == '__main__':
    main()
