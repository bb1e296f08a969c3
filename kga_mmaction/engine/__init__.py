"""Runner-level components: hooks, loops and checkpoint loading."""
from .checkpoint_loading import (SAFE_GLOBALS, UnsafeCheckpointError,
                                 load_checkpoint_safely,
                                 register_safe_checkpoint_loader)

__all__ = [
    'SAFE_GLOBALS', 'UnsafeCheckpointError', 'load_checkpoint_safely',
    'register_safe_checkpoint_loader'
]
