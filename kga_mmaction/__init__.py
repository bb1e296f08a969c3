"""kga-mmaction: KGA-Net (Sun et al., MICCAI 2023) as an MMAction2 1.x plugin.

Importing this package (directly or through a config's ``custom_imports``)
applies the compatibility shims of :mod:`kga_mmaction.compat`, installs the
safe checkpoint loader of :mod:`kga_mmaction.engine.checkpoint_loading` and
registers every component in MMAction2's own registries.
"""
from .compat import patch_missing_drn

patch_missing_drn()

from . import apis, datasets, engine, evaluation, models  # noqa: E402,F401
from .engine import register_safe_checkpoint_loader  # noqa: E402

register_safe_checkpoint_loader()

__version__ = '0.1.0'
