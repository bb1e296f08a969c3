"""Small helpers shared by the package and the tools."""
from .atomic import (atomic_directory, check_replaceable, replace_directory,
                     write_atomically)

__all__ = [
    'atomic_directory', 'check_replaceable', 'replace_directory',
    'write_atomically'
]
