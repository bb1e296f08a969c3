"""NonFiniteLossHook: a diverged run stops at its first non-finite loss or
weight, naming it, and leaves no checkpoint of that state."""
import math
import types

import pytest
import torch
from mmaction.registry import HOOKS
from mmengine.runner.priority import get_priority

from runner_options import (DEMO, cfg_options, make_tiny_data, output_tail,
                            run_python, tiny_training_options)


def runner_at(iteration, model=None):
    return types.SimpleNamespace(iter=iteration, work_dir='/w',
                                 model=model or torch.nn.Linear(2, 2))


def test_names_the_iteration_and_every_non_finite_term():
    hook = HOOKS.build(dict(type='NonFiniteLossHook'))
    outputs = dict(loss=torch.tensor(math.nan), loss_cls=torch.tensor(0.7),
                   loss_center=torch.tensor(math.inf),
                   top1_acc=torch.tensor(math.nan))  # not a loss
    with pytest.raises(FloatingPointError) as err:
        hook.after_train_iter(runner_at(6), 6, outputs=outputs)
    message = str(err.value)
    assert 'iteration 7' in message
    assert 'loss=nan' in message and 'loss_center=inf' in message
    assert 'loss_cls' not in message and 'top1_acc' not in message
    hook.after_train_iter(runner_at(6), 6,
                          outputs=dict(loss=torch.tensor(1.5)))  # finite


def test_names_non_finite_weights_after_a_finite_loss():
    """An update can overflow while the loss it came from was finite."""
    hook = HOOKS.build(dict(type='NonFiniteLossHook'))
    model = torch.nn.Sequential(torch.nn.Linear(2, 2),
                                torch.nn.BatchNorm1d(2))
    with torch.no_grad():
        model[0].weight[0, 0] = math.inf
    model[1].running_var[1] = math.nan
    with pytest.raises(FloatingPointError) as err:
        hook.after_train_iter(runner_at(2, model), 2,
                              outputs=dict(loss=torch.tensor(0.5)))
    message = str(err.value)
    assert 'weights after the update at iteration 3' in message
    assert '0.weight' in message and '1.running_var' in message
    assert '0.bias' not in message


def test_runs_before_the_checkpoint_hook():
    hook = HOOKS.build(dict(type='NonFiniteLossHook'))
    checkpoint = HOOKS.build(dict(type='CheckpointHook'))
    assert get_priority(hook.priority) < get_priority(checkpoint.priority)


@pytest.mark.slow
def test_a_diverging_run_stops_without_a_nan_checkpoint(tmp_path):
    data_root = make_tiny_data(tmp_path / 'data')
    work_dir = tmp_path / 'work'
    result = run_python(
        'tools/train.py', DEMO, '--work-dir', str(work_dir),
        *cfg_options(data_root, max_iters=12), *tiny_training_options(),
        '--cfg-options', 'optim_wrapper.optimizer.type=SGD',
        'optim_wrapper.optimizer.lr=1000.0',
        'param_scheduler.0.start_factor=1.0',
        'default_hooks.checkpoint.interval=1')
    log = result.stdout + result.stderr
    assert result.returncode != 0, output_tail(result)
    assert 'FloatingPointError: Non-finite' in log, output_tail(result)
    for path in work_dir.glob('*.pth'):
        state = torch.load(path, map_location='cpu',
                           weights_only=False)['state_dict']
        assert all(torch.isfinite(v).all() for v in state.values()
                   if v.is_floating_point()), path
