"""Which code made a report: the git commit of the checkout it ran from."""
import subprocess

from .shipped_files import PACKAGE_DIR


def git_commit(path: str = PACKAGE_DIR) -> str:
    """The short commit of the git checkout holding ``path`` (default:
    this package's), with ``+`` appended where tracked files differ from
    it; ``'unknown'`` outside a checkout or without git.

    Args:
        path (str): A file or folder inside the checkout.

    Returns:
        str: For example ``'e54baa6'`` or ``'e54baa6+'``.
    """
    def git(*args: str) -> str:
        return subprocess.run(['git', *args], cwd=path, capture_output=True,
                              text=True, check=True).stdout.strip()

    try:
        commit = git('rev-parse', '--short', 'HEAD')
        dirty = git('status', '--porcelain', '--untracked-files=no')
    except (OSError, subprocess.CalledProcessError):
        return 'unknown'
    return commit + ('+' if dirty else '')
