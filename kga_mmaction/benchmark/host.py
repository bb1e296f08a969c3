"""The machine the benchmark runs on, and this process's memory."""
import os
import platform
import re
from typing import Optional

import torch

from kga_mmaction.utils import git_commit
from kga_mmaction.utils.device import (best_autocast_dtype, cpu_flags, cpu_name,
                                       cpu_supports_bf16)


def host_kind(device: str) -> str:
    """``cpu-2core``, ``cuda-nvidia-h100-80gb-hbm3``, ..."""
    if device.startswith('cuda'):
        name = torch.cuda.get_device_name(torch.device(device))
        return 'cuda-' + re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')
    return f'cpu-{os.cpu_count()}core'


def host_info(device: str) -> dict:
    """The report's ``host``: machine, software versions, load, and the
    settings the fast paths and the fp32 rows depend on."""
    info = dict(
        kind=host_kind(device), device=device, hostname=platform.node(),
        commit=git_commit(),
        cpu=cpu_name(), cpu_flags=cpu_flags(), cpu_count=os.cpu_count(),
        torch_threads=torch.get_num_threads(), torch=torch.__version__,
        python=platform.python_version(),
        cpu_native_bf16=cpu_supports_bf16(),
        fast_autocast_dtype=best_autocast_dtype(device),
        load_average=list(os.getloadavg()) if hasattr(os, 'getloadavg')
        else None)
    if device.startswith('cuda'):  # fp32 rows use these defaults
        info.update(gpu=torch.cuda.get_device_name(torch.device(device)),
                    cudnn_allow_tf32=torch.backends.cudnn.allow_tf32,
                    matmul_allow_tf32=torch.backends.cuda.matmul.allow_tf32)
    try:
        import mmaction
        import mmengine
        info.update(mmaction=mmaction.__version__,
                    mmengine=mmengine.__version__)
    except ImportError:  # pragma: no cover
        pass
    return info


def proc_status_kib(key: str) -> Optional[int]:
    """A ``/proc/self/status`` field (``VmRSS``, ``VmHWM``) in KiB."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(key + ':'):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far."""
    hwm = proc_status_kib('VmHWM')
    if hwm is not None:
        return hwm / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Reset this process's VmHWM to its current resident size (Linux
    ``/proc/self/clear_refs``); False where that is not possible."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        return True
    except OSError:
        return False


def rss_mib() -> float:
    """Resident memory of this process now (NaN where unknown)."""
    rss = proc_status_kib('VmRSS')
    return rss / 1024 if rss is not None else float('nan')
