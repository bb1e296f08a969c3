"""Test-only hook that records what one rank of a training run holds.

A config names it as ``dict(type='runner_probes.RankStateDumpHook')``;
mmengine imports the module by that dotted name, so ``tests/`` must be on
the path of the training process. Each rank writes
``<work_dir>/rank<r>.pth``: at ``before_train`` the model wrapper and the
normalization layer types; while training, the batches the train batch
sampler yielded, one list per pass (epoch); at ``after_train`` the model's
``state_dict`` and the names of its parameters.
"""
import os.path as osp

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch.nn.modules.batchnorm import _NormBase

from kga_mmaction.sources import IMAGE, VIDEO


def _recording(batch_sampler, passes: list) -> None:
    """Make ``batch_sampler`` append every pass it yields to ``passes``, as
    one list of batches (lists of indices)."""
    base = type(batch_sampler)

    def __iter__(self):
        batches = []
        passes.append(batches)
        for batch in base.__iter__(self):
            batches.append(list(batch))
            yield batch

    batch_sampler.__class__ = type(f'Recording{base.__name__}', (base, ),
                             dict(__iter__=__iter__))


class RankStateDumpHook(Hook):
    """Dumps this rank's model, sampler output and wrapper to
    ``<work_dir>/rank<r>.pth``."""

    priority = 'VERY_LOW'

    def before_train(self, runner) -> None:
        dataset = runner.train_dataloader.dataset
        self.record = dict(
            rank=runner.rank,
            world_size=runner.world_size,
            wrapper=type(runner.model).__name__,
            norm_layers=sorted({
                type(m).__name__
                for m in runner.model.modules() if isinstance(m, _NormBase)
            }),
            video_indices=list(dataset.source_indices(VIDEO)),
            image_indices=list(dataset.source_indices(IMAGE)),
            sampler_passes=[])
        _recording(runner.train_dataloader.batch_sampler,
                   self.record['sampler_passes'])
        # The loop took its first pass's iterator when it was built; take it
        # again so that the first pass is recorded too (nothing has been
        # drawn from it yet)
        loop = runner.train_loop
        loop.dataloader_iterator = type(loop.dataloader_iterator)(
            loop.dataloader)
        # written now too, so that a run that fails in training leaves it
        self._dump(runner)

    def after_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        self.record['parameter_names'] = [
            name for name, _ in model.named_parameters()
        ]
        self.record['state_dict'] = {
            key: value.detach().cpu().clone()
            for key, value in model.state_dict().items()
        }
        self._dump(runner)

    def _dump(self, runner) -> None:
        torch.save(self.record,
                   osp.join(runner.work_dir, f'rank{runner.rank}.pth'))
