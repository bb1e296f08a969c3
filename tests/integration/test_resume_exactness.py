"""Resuming is exact: 2N iterations in one go and N + ``--resume`` + N end
with bit-identical weights (CPU, ``--deterministic --seed 0``, data loading
in the main process).

The resume point (iteration 2) falls inside the sampler's first epoch and
the run crosses into the second epoch after it; the learning rate changes
every iteration (linear warm-up over all 2N iterations), so a sampler, an
augmentation RNG or a scheduler restored wrongly would show in the weights.
It is exact because mmengine's ``IterBasedTrainLoop`` replays the skipped
batches through the data pipeline on resume, which advances the sampler and
the pipeline's ``np.random`` exactly as the uninterrupted run did.
"""
from typing import Dict

import pytest
import torch

from runner_options import (DEMO, cfg_options, finish, make_tiny_data,
                            output_tail, start_python, tiny_training_options)

pytestmark = pytest.mark.slow

N = 2
# lr 0.1 reached by a warm-up over the 2N iterations: every step counts
SCHEDULE = [
    '--cfg-options', 'optim_wrapper.optimizer.lr=0.1',
    f'param_scheduler.0.end={2 * N}'
]


def start_training(data_root, work_dir, max_iters, *extra):
    return start_python('tools/train.py', DEMO, '--work-dir', str(work_dir),
                        '--seed', '0', '--deterministic', *extra,
                        *cfg_options(data_root, max_iters),
                        *tiny_training_options(), *SCHEDULE)


def finish_training(process) -> str:
    result = finish(process)
    assert result.returncode == 0, output_tail(result)
    return result.stdout + result.stderr


def load(path) -> dict:
    return torch.load(path, map_location='cpu', weights_only=False)


def differences(a: Dict[str, torch.Tensor],
                b: Dict[str, torch.Tensor]) -> Dict[str, float]:
    """Tensors of ``a`` that are not bit-identical in ``b``, with the
    largest absolute difference."""
    assert a.keys() == b.keys()
    return {
        key: (a[key].double() - b[key].double()).abs().max().item()
        for key in a if not torch.equal(a[key], b[key])
    }


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    data_root = make_tiny_data(tmp_path_factory.mktemp('resume') / 'data')
    straight = tmp_path_factory.mktemp('straight')
    split = tmp_path_factory.mktemp('split')
    # the uninterrupted run and the first half side by side (1 thread each)
    runs = [start_training(data_root, straight, 2 * N),
            start_training(data_root, split, N)]
    for run in runs:
        finish_training(run)
    log = finish_training(
        start_training(data_root, split, 2 * N, '--resume',
                       str(split / f'iter_{N}.pth')))
    assert f'resumed epoch: 0, iter: {N}' in log
    assert f'Iter(train) [{N + 1}/{2 * N}]' in log
    assert f'Iter(train) [1/{2 * N}]' not in log  # not trained anew
    return (load(straight / f'iter_{2 * N}.pth'),
            load(split / f'iter_{N}.pth'), load(split / f'iter_{2 * N}.pth'))


def test_resumed_weights_are_bit_identical(checkpoints):
    straight, halfway, resumed = checkpoints
    assert resumed['meta']['iter'] == straight['meta']['iter'] == 2 * N
    diff = differences(straight['state_dict'], resumed['state_dict'])
    assert not diff, diff
    assert 'cls_head.loss_center.centers' in resumed['state_dict']
    # the comparison is not vacuous: the second half moved every tensor
    moved = differences(straight['state_dict'], halfway['state_dict'])
    floats = [k for k, v in straight['state_dict'].items()
              if v.is_floating_point()]
    assert set(floats) <= set(moved)
    assert max(moved.values()) > 1e-3


def test_resumed_optimizer_and_schedule_match(checkpoints):
    straight, _, resumed = checkpoints
    a, b = straight['optimizer']['state'], resumed['optimizer']['state']
    assert a.keys() == b.keys()
    for index in a:
        assert a[index].keys() == b[index].keys()
        for key, value in a[index].items():  # AdamW: step, exp_avg(_sq)
            assert torch.equal(torch.as_tensor(value),
                               torch.as_tensor(b[index][key])), (index, key)
    assert straight['param_schedulers'] == resumed['param_schedulers']
