"""What this machine's CPU and accelerators can compute natively.

Facts, not policy: the fast inference of :class:`KGARecognizer` reads them
to refuse an autocast that would run emulated (and so slower than float32),
``--fast`` to pick what the machine supports, and ``tools/benchmark.py`` to
describe the host it measured.
"""
from typing import Dict, Optional, Union

import torch

Device = Union[str, torch.device]

#: The dtype that mmengine's autocast (``TestLoop(fp16=True)``,
#: ``AmpOptimWrapper``) runs in, by device type: bfloat16 on a CPU (the only
#: one it accepts there), float16 on CUDA (torch's default GPU dtype).
AUTOCAST_DTYPES = dict(cpu='bfloat16', cuda='float16')


def _cpu_capabilities() -> dict:
    get = getattr(torch.cpu, 'get_capabilities', None)  # torch >= 2.8
    if get is not None:
        return dict(get())
    caps = {}
    for key, probe in (('avx512_bf16', '_is_avx512_bf16_supported'),
                       ('amx_bf16', '_is_amx_tile_supported')):
        fn = getattr(torch.cpu, probe, None)
        caps[key] = bool(fn()) if fn is not None else False
    return caps


def cpu_name() -> str:
    """The CPU's model name as torch reports it (``'unknown CPU'`` on a
    torch that does not)."""
    return str(_cpu_capabilities().get('cpu_name', 'unknown CPU'))


#: The instruction-set families that decide CPU inference speed, and the
#: ``torch.cpu.get_capabilities()`` keys (x86 and Arm) that provide each.
CPU_FLAG_KEYS = dict(
    avx2=('avx2', ),
    avx512=('avx512_f', ),
    bf16=('avx512_bf16', 'amx_bf16', 'bf16', 'sve_bf16'),
    vnni=('avx512_vnni', 'avx_vnni'),
    amx=('amx_tile', 'amx_int8', 'amx_bf16'))


def cpu_flags() -> Dict[str, bool]:
    """Which of :data:`CPU_FLAG_KEYS`' families this CPU has, as torch
    reports them (older torch: only what its probes tell, the rest False).

    Example: ``{'avx2': True, 'avx512': True, 'bf16': True, 'vnni': True,
    'amx': False}`` on an AMD EPYC Genoa.
    """
    caps = _cpu_capabilities()
    return {
        family: any(bool(caps.get(key)) for key in keys)
        for family, keys in CPU_FLAG_KEYS.items()
    }


def cpu_supports_bf16() -> bool:
    """Whether this CPU has native bf16 arithmetic for oneDNN kernels.

    True with AVX512-BF16 or AMX-BF16 (x86) or the BF16/SVE-BF16 extension
    (Arm), as ``torch.cpu.get_capabilities()`` reports them (older torch:
    ``torch.cpu._is_avx512_bf16_supported``), and oneDNN available. oneDNN
    also runs bf16 on plain AVX-512 by emulation, which is slower than
    fp32; that does not count.
    """
    return torch.backends.mkldnn.is_available() and cpu_flags()['bf16']


def autocast_dtype(device: Device) -> Optional[str]:
    """The dtype mmengine's autocast runs in on ``device``
    (:data:`AUTOCAST_DTYPES`); None on a device type it does not autocast.
    """
    return AUTOCAST_DTYPES.get(torch.device(device).type)


def best_autocast_dtype(device: Device) -> Optional[str]:
    """:func:`autocast_dtype` where ``device`` computes it natively, else
    None (float32 is faster there).

    ``'float16'`` on CUDA (tensor cores on every GPU), ``'bfloat16'`` on a
    CPU with native bf16 (:func:`cpu_supports_bf16`), else None.
    """
    device = torch.device(device)
    if device.type == 'cuda' or (device.type == 'cpu'
                                 and cpu_supports_bf16()):
        return autocast_dtype(device)
    return None


def amp_training_available() -> bool:
    """Whether mmengine's ``AmpOptimWrapper`` can be built here.

    It asserts a CUDA, NPU, MLU or MUSA device at construction; this asks
    the same functions it asks, so that ``tools/train.py --amp`` can refuse
    with a clear message before anything is built.
    """
    from mmengine.optim.optimizer import amp_optimizer_wrapper as amp
    return bool(amp.is_cuda_available() or amp.is_npu_available()
                or amp.is_mlu_available() or amp.is_musa_available())
