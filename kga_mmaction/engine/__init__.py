"""Runner-level components: hooks, loops and checkpoint loading."""
from .checkpoint_loading import (SAFE_GLOBALS, UnsafeCheckpointError,
                                 load_checkpoint_safely,
                                 register_safe_checkpoint_loader)
from .cpu_distributed import setup_cpu_distributed

__all__ = [
    'SAFE_GLOBALS', 'UnsafeCheckpointError', 'load_checkpoint_safely',
    'register_safe_checkpoint_loader', 'setup_cpu_distributed'
]
