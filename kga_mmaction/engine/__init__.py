"""Runner-level components: hooks, loops and checkpoint loading."""
from .checkpoint_loading import (SAFE_GLOBALS, InvalidCheckpointError,
                                 UnsafeCheckpointError, load_checkpoint_safely,
                                 register_safe_checkpoint_loader)
from .cpu_distributed import setup_cpu_distributed
from .non_finite_loss_hook import NonFiniteLossHook
from .strict_loading import (CheckpointMismatchError, load_weights,
                             state_dict_mismatch)

__all__ = [
    'CheckpointMismatchError', 'InvalidCheckpointError', 'NonFiniteLossHook',
    'SAFE_GLOBALS', 'UnsafeCheckpointError', 'load_checkpoint_safely',
    'load_weights', 'register_safe_checkpoint_loader',
    'setup_cpu_distributed', 'state_dict_mismatch'
]
