"""Load a checkpoint's weights into a model only when every key fits.

mmengine's Runner loads ``load_from`` with ``strict=False``: a checkpoint of
another model, or one that holds unrelated keys, only logs "missing keys"
and the run goes on with randomly initialised layers, then reports a metric
with exit code 0. :func:`load_weights` compares the checkpoint's keys and
shapes with the model's first and raises :class:`CheckpointMismatchError`,
naming a few keys of each kind, unless a partial load is asked for
(``allow_partial=True``, ``--allow-partial-checkpoint`` in the tools).

The file is read through mmengine's :class:`CheckpointLoader`, i.e. the
plugin's safe loader (see :mod:`.checkpoint_loading`).
"""
import logging
import re
from collections import OrderedDict
from typing import Any, Dict, List, Mapping, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner.checkpoint import CheckpointLoader, load_state_dict

__all__ = ['CheckpointMismatchError', 'load_weights', 'state_dict_mismatch']

#: Keys of each kind that an error message names.
MAX_LISTED_KEYS = 5
#: Prefix that DistributedDataParallel adds to every key (mmengine strips it
#: too).
WRAPPER_PREFIX = re.compile(r'^module\.')

KeyShapes = List[Tuple[str, Tuple[int, ...], Tuple[int, ...]]]


def _listed(keys: Sequence[str]) -> str:
    """``'a, b, c (and 7 more)'``."""
    shown = ', '.join(keys[:MAX_LISTED_KEYS])
    more = len(keys) - MAX_LISTED_KEYS
    return shown + (f' (and {more} more)' if more > 0 else '')


class CheckpointMismatchError(ValueError):
    """A checkpoint's weights do not fit the model.

    Args:
        filename (str): The checkpoint.
        missing (list[str]): Model keys the checkpoint lacks.
        unexpected (list[str]): Checkpoint keys the model lacks.
        mismatched (list[tuple]): ``(key, checkpoint shape, model shape)``.
    """

    def __init__(self, filename: str, missing: List[str],
                 unexpected: List[str], mismatched: KeyShapes) -> None:
        self.filename = filename
        self.missing = missing
        self.unexpected = unexpected
        self.mismatched = mismatched
        parts = []
        if missing:
            parts.append(f'{len(missing)} model weight(s) missing from the '
                         f'checkpoint: {_listed(missing)}')
        if unexpected:
            parts.append(f'{len(unexpected)} checkpoint key(s) the model '
                         f'does not have: {_listed(unexpected)}')
        if mismatched:
            parts.append(f'{len(mismatched)} shape mismatch(es): ' + _listed(
                [f'{k} {tuple(c)} in the checkpoint vs {tuple(m)} in the '
                 'model' for k, c, m in mismatched]))
        super().__init__(
            f'checkpoint {filename} does not fit the config\'s model: ' +
            '; '.join(parts) + '. Is it a checkpoint of this config? Pass '
            '--allow-partial-checkpoint (allow_partial=True) to load only '
            'the weights that fit.')

    def __reduce__(self) -> Tuple[type, tuple]:
        """Pickle with the constructor's arguments (for worker processes)."""
        return type(self), (self.filename, self.missing, self.unexpected,
                            self.mismatched)


def state_dict_mismatch(
        model_state: Mapping[str, torch.Tensor],
        checkpoint_state: Mapping[str, Any]
) -> Tuple[List[str], List[str], KeyShapes]:
    """Compare a model's state dict with a checkpoint's.

    BatchNorm's ``num_batches_tracked`` may be missing from the checkpoint,
    as mmengine allows.

    Args:
        model_state (Mapping[str, Tensor]): ``model.state_dict()``.
        checkpoint_state (Mapping[str, Any]): The checkpoint's state dict.

    Returns:
        tuple: ``(missing, unexpected, mismatched)``: sorted model keys the
        checkpoint lacks, sorted checkpoint keys the model lacks, and
        ``(key, checkpoint shape, model shape)`` of keys in both whose
        shapes differ.
    """
    missing = sorted(k for k in model_state if k not in checkpoint_state
                     and not k.endswith('num_batches_tracked'))
    unexpected = sorted(k for k in checkpoint_state if k not in model_state)
    mismatched = []
    for key in sorted(set(model_state) & set(checkpoint_state)):
        value = checkpoint_state[key]
        shape = tuple(value.shape) if hasattr(value, 'shape') else None
        if shape != tuple(model_state[key].shape):
            mismatched.append((key, shape, tuple(model_state[key].shape)))
    return missing, unexpected, mismatched


def load_weights(model: nn.Module,
                 filename: str,
                 map_location: str = 'cpu',
                 allow_partial: bool = False) -> Dict[str, Any]:
    """Load the weights of ``filename`` into ``model``, all keys fitting.

    Args:
        model (nn.Module): The model, possibly wrapped (DDP).
        filename (str): Checkpoint path or URL (any scheme mmengine's
            :class:`CheckpointLoader` knows).
        map_location (str): Same as :func:`torch.load`. Defaults to
            ``'cpu'``.
        allow_partial (bool): Load the weights that fit and log the rest
            instead of raising. Defaults to False.

    Returns:
        dict: The loaded checkpoint.

    Raises:
        CheckpointMismatchError: If keys are missing or unexpected, or
            shapes differ, and ``allow_partial`` is False.
        ValueError: If the file does not hold a state dict.
    """
    model = model.module if is_model_wrapper(model) else model
    checkpoint = CheckpointLoader.load_checkpoint(filename,
                                                  map_location=map_location)
    if not isinstance(checkpoint, Mapping):
        raise ValueError(f'checkpoint {filename} holds a '
                         f'{type(checkpoint).__name__}, not a state dict')
    state_dict = checkpoint.get('state_dict', checkpoint)
    # [key with optional 'module.'] -> [key], as mmengine's loader does
    state_dict = OrderedDict(
        (WRAPPER_PREFIX.sub('', key), value)
        for key, value in state_dict.items())
    missing, unexpected, mismatched = state_dict_mismatch(
        model.state_dict(), state_dict)
    if missing or unexpected or mismatched:
        error = CheckpointMismatchError(filename, missing, unexpected,
                                        mismatched)
        if not allow_partial:
            raise error
        print_log(f'Partial load (allow_partial): {error}', logger='current',
                  level=logging.WARNING)
    else:
        print_log(f'Loaded checkpoint {filename}: all {len(state_dict)} '
                  'weights fit the model', logger='current')
    load_state_dict(model, state_dict, strict=False, logger='current')
    return checkpoint
