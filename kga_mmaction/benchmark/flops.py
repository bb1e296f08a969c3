"""FLOPs of the backbone, and the FLOP/s peak this machine reaches."""
from typing import Dict

import torch

from .timing import time_interleaved

_FLOPS_CACHE: Dict[tuple, int] = {}


def backbone_flops_per_frame(backbone: torch.nn.Module, size: int,
                             device: str) -> int:
    """FLOPs (2 x multiply-adds) of one ``size`` x ``size`` frame through
    the backbone (:class:`torch.utils.flop_counter.FlopCounterMode`)."""
    key = (type(backbone).__name__, size)
    if key not in _FLOPS_CACHE:
        from torch.utils.flop_counter import FlopCounterMode
        counter = FlopCounterMode(display=False)
        with torch.no_grad(), counter:
            backbone(torch.zeros(1, 3, size, size, device=device))
        _FLOPS_CACHE[key] = int(counter.get_total_flops())
    return _FLOPS_CACHE[key]


def matmul_peak(device: str, n: int, dtype: torch.dtype, repeats: int,
                warmup: int) -> dict:
    """Best FLOP/s of an ``n x n`` matmul (``2 n^3`` FLOPs): the machine's
    peak as measured in this process, not a vendor figure."""
    a = torch.randn(n, n, device=device).to(dtype)
    b = torch.randn(n, n, device=device).to(dtype)
    t = time_interleaved({'x': lambda: torch.mm(a, b)}, max(repeats, 3),
                         max(warmup, 1), device)['x']
    return dict(n=n, dtype=str(dtype).replace('torch.', ''),
                best_gflops=2 * n**3 / t['min_s'] / 1e9,
                median_gflops=2 * n**3 / t['median_s'] / 1e9)
