"""Small helpers shared by the KGA-Net model components."""
import contextlib
import functools
from typing import Any, Callable

import torch
import torch.nn as nn
from mmaction.utils import SampleList

#: Dtypes that mixed precision (autocast, ``--amp``, ``test_cfg.fp16``)
#: gives the backbone's features.
HALF_PRECISION = (torch.float16, torch.bfloat16)


def gt_labels(data_samples: SampleList, device: torch.device) -> torch.Tensor:
    """Stack each sample's ``gt_label`` into a ``[N]`` long tensor."""
    return torch.stack([s.gt_label for s in data_samples]).view(-1).to(
        device=device, dtype=torch.long)


def full_precision(value: Any) -> Any:
    """``value`` in float32 if it is a half-precision tensor, each value so
    if it is a dict; anything else (float64 too) unchanged."""
    if isinstance(value, dict):
        return {key: full_precision(item) for key, item in value.items()}
    if isinstance(value, torch.Tensor) and value.dtype in HALF_PRECISION:
        return value.float()
    return value


def float32(method: Callable) -> Callable:
    """Make a module's method compute in float32, also under mixed precision.

    The one place that sets KGA-Net's float32: autocast is off on the
    module's device while ``method`` runs, and half-precision tensors among
    its arguments (also the values of a dict of features) arrive in
    float32. On the head's entry points this keeps the attention, the
    classifiers' scores, the center distances and the Gram matrices of the
    losses in float32 under ``--amp`` (AmpOptimWrapper's autocast) and with
    half-precision features from fast inference (``test_cfg.fp16``).

    Args:
        method (Callable): A method of an ``nn.Module`` with parameters.

    Returns:
        Callable: The wrapped method.
    """

    @functools.wraps(method)
    def wrapper(module: nn.Module, *args, **kwargs):
        device_type = next(module.parameters()).device.type
        # a device without autocast (``meta``) computes as its tensors are
        off = (torch.autocast(device_type, enabled=False)
               if torch.amp.is_autocast_available(device_type) else
               contextlib.nullcontext())
        with off:
            return method(module, *[full_precision(arg) for arg in args],
                          **full_precision(kwargs))

    return wrapper
