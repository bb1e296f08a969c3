"""Small helpers shared by the package and the tools."""
from .atomic import (atomic_directory, check_replaceable, replace_directory,
                     write_atomically)
from .selection import spread_indices

__all__ = [
    'atomic_directory', 'check_replaceable', 'replace_directory',
    'spread_indices', 'write_atomically'
]
