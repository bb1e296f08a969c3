"""The machine and software a check ran on."""
import platform
from importlib import metadata
from typing import Optional

import torch

#: Distributions whose versions the report records (mmcv under either
#: name: full mmcv or mmcv-lite).
PACKAGES = ('mmengine', 'mmcv', 'mmcv-lite', 'mmaction2', 'mmpretrain',
            'kga-mmaction')


def version(dist: str) -> Optional[str]:
    """An installed distribution's version, None if it is absent."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def environment(device: str) -> dict:
    """Device, torch/CUDA/cuDNN versions and the OpenMMLab packages."""
    cuda = device.startswith('cuda')
    return dict(
        device=device,
        device_name=(torch.cuda.get_device_name(torch.device(device))
                     if cuda else platform.processor() or 'cpu'),
        python=platform.python_version(), torch=torch.__version__,
        torch_cuda=torch.version.cuda,
        cudnn=torch.backends.cudnn.version() if cuda else None,
        cuda_available=torch.cuda.is_available(),
        packages={p: version(p) for p in PACKAGES})


def describe(env: dict) -> str:
    """One line per fact, for the console."""
    packages = ', '.join(f'{k} {v}' for k, v in env['packages'].items()
                         if v is not None)
    return (f'device: {env["device"]} ({env["device_name"]})\n'
            f'python {env["python"]}, torch {env["torch"]}, CUDA '
            f'{env["torch_cuda"]}, cuDNN {env["cudnn"]}\n{packages}')
