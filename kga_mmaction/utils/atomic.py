"""Write files and directories atomically: into a hidden temporary sibling
that is renamed into place only once everything is written.

An interrupted run (an error, Ctrl-C, a kill) therefore never leaves a
partial file or directory under the target name, and a replaced target is
removed only after the new one is in place.
"""
import os
import os.path as osp
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from typing import IO, Callable, Iterator, Optional


def write_atomically(path: str,
                     write: Callable[[IO], None],
                     newline: Optional[str] = None,
                     binary: bool = False) -> None:
    """Write a file via a temporary file in the same folder + rename.

    A reader never sees a partial file under ``path``: it either does not
    exist, holds the old content, or holds the complete new content. The
    data are fsynced before the rename.

    Args:
        path (str): Destination file; its folder is created.
        write (Callable[[IO], None]): Writes the content to a file object.
        newline (str, optional): ``newline`` of :func:`open` (text only).
        binary (bool): Open the file in binary mode (``write`` gets bytes
            I/O) instead of UTF-8 text. Defaults to False.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = osp.join(folder, f'.{osp.basename(path)}.{uuid.uuid4().hex}.tmp')
    text_args = {} if binary else dict(encoding='utf-8', newline=newline)
    try:
        with open(tmp, 'xb' if binary else 'x', **text_args) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def check_replaceable(target: str, overwrite: bool = False,
                      marker: Optional[str] = None,
                      overwrite_hint: str = '--overwrite') -> None:
    """Refuse a target that :func:`atomic_directory` may not replace.

    A missing or empty directory is always fine. A file, a link or, without
    ``overwrite``, a non-empty directory is refused; so is a non-empty
    directory without the file ``marker`` when ``marker`` is given (the
    target was not written by the caller, so it is not the caller's to
    replace).

    Args:
        target (str): The directory to be written.
        overwrite (bool): Whether a non-empty ``target`` may be replaced.
            Defaults to False.
        marker (str, optional): File name that a non-empty ``target`` must
            hold to be replaced. Defaults to None (any directory).
        overwrite_hint (str): How the user sets ``overwrite``, for the
            message. Defaults to ``'--overwrite'``.

    Raises:
        FileExistsError: ``target`` may not be replaced.
    """
    if not osp.lexists(target):
        return
    if not osp.isdir(target) or osp.islink(target):
        raise FileExistsError(f'{target} exists and is not a directory')
    if not os.listdir(target):
        return
    if not overwrite:
        raise FileExistsError(
            f'{target} is not empty; pass {overwrite_hint} to replace it')
    if marker is not None and not osp.isfile(osp.join(target, marker)):
        raise FileExistsError(
            f'{target} is not empty and has no {marker}, so it was not made '
            'by this generator; refusing to replace it')


def replace_directory(src: str, dst: str) -> None:
    """Rename ``src`` to ``dst``; an existing ``dst`` is removed last.

    An existing ``dst`` is first renamed to a hidden sibling, and renamed
    back if ``src`` cannot take its place.
    """
    if not osp.lexists(dst):
        os.rename(src, dst)
        return
    old = tempfile.mkdtemp(prefix=f'.{osp.basename(dst)}.old-',
                           dir=osp.dirname(dst))
    os.rmdir(old)
    os.rename(dst, old)
    try:
        os.rename(src, dst)
    except BaseException:
        os.rename(old, dst)
        raise
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def atomic_directory(target: str, overwrite: bool = False,
                     marker: Optional[str] = None,
                     overwrite_hint: str = '--overwrite') -> Iterator[str]:
    """Yield a temporary directory that replaces ``target`` on success.

    ``target`` is checked with :func:`check_replaceable` first. The
    temporary directory is a hidden sibling of ``target``
    (``.<name>.tmp-XXXX``, so the final rename stays on one file system)
    with the usual permissions (``0o777`` less the umask). When the block
    ends normally it is renamed to ``target`` (see
    :func:`replace_directory`); when the block raises, including
    ``KeyboardInterrupt``, it is removed and ``target`` is left untouched.

    Example::

        with atomic_directory(out, overwrite=args.overwrite) as tmp:
            write_everything(tmp)

    Args:
        target (str): The directory to write. Its parent is created.
        overwrite (bool): Whether a non-empty ``target`` may be replaced.
            Defaults to False.
        marker (str, optional): See :func:`check_replaceable`.
        overwrite_hint (str): See :func:`check_replaceable`.

    Yields:
        str: The absolute path of the temporary directory to write into.

    Raises:
        FileExistsError: ``target`` may not be replaced.
    """
    target = osp.abspath(target)
    check_replaceable(target, overwrite, marker, overwrite_hint)
    parent = osp.dirname(target)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f'.{osp.basename(target)}.tmp-',
                           dir=parent)
    try:
        # mkdtemp makes the directory private (0700); give it the usual mode
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)
        yield tmp
        replace_directory(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
