"""Small helpers shared by the package and the tools."""
from .atomic import (atomic_directory, check_replaceable, replace_directory,
                     write_atomically)
from .device import (amp_training_available, autocast_dtype,
                     best_autocast_dtype, cpu_name, cpu_supports_bf16)
from .provenance import git_commit
from .selection import spread_indices
from .shipped_files import shipped_path, tool_command
from .text_table import text_table

__all__ = [
    'amp_training_available', 'atomic_directory', 'autocast_dtype', 'best_autocast_dtype',
    'check_replaceable', 'cpu_name', 'cpu_supports_bf16', 'git_commit',
    'replace_directory', 'shipped_path', 'spread_indices', 'text_table',
    'tool_command', 'write_atomically'
]
