"""Runner-level components: hooks (the attention and diagnosis figures
sent to mmengine's vis_backends among them), loops and checkpoint
loading."""
from .atomic_checkpoint_hook import AtomicCheckpointHook
from .atomic_local_backend import AtomicLocalBackend
from .attention_monitor_hook import AttentionMonitorHook
from .checkpoint_loading import (InvalidCheckpointError,
                                 UnsafeCheckpointError, load_checkpoint_safely,
                                 register_safe_checkpoint_loader)
from .cpu_distributed import setup_cpu_distributed
from .diagnosis_visualization_hook import DiagnosisVisualizationHook
from .non_finite_loss_hook import NonFiniteLossHook
from .safe_globals import SAFE_GLOBALS
from .strict_loading import (CheckpointMismatchError, load_weights,
                             state_dict_mismatch)
from .work_dir_lock_hook import WorkDirLockedError, WorkDirLockHook

__all__ = [
    'AtomicCheckpointHook', 'AtomicLocalBackend', 'AttentionMonitorHook',
    'CheckpointMismatchError', 'DiagnosisVisualizationHook',
    'InvalidCheckpointError', 'NonFiniteLossHook', 'SAFE_GLOBALS',
    'UnsafeCheckpointError', 'WorkDirLockHook', 'WorkDirLockedError',
    'load_checkpoint_safely', 'load_weights',
    'register_safe_checkpoint_loader', 'setup_cpu_distributed',
    'state_dict_mismatch'
]
