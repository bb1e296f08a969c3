"""The ``configs/`` and ``tools/`` of kga-mmaction, wherever the package is.

An installed kga_mmaction carries both folders in ``kga_mmaction/.mim/``
(``setup.py``: copies in a built package, links in an editable install),
where OpenMMLab's ``mim`` looks for a package's configs and tools; a
checkout used without installing has them next to the package.
:func:`shipped_path` finds a file by its path from the repository root, and
:func:`tool_command` turns a command as the results tables print it
(``python tools/train.py configs/demo/... --work-dir ...``) into one that
runs from any working directory.
"""
import os
import os.path as osp
import sys
from typing import List, Sequence

#: The installed (or checked-out) ``kga_mmaction`` folder.
PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))


def shipped_path(path: str) -> str:
    """Where ``path`` (``tools/...`` or ``configs/...``) is.

    In a checkout (``setup.py`` next to the package) its own files come
    first, so that a copy left in ``.mim/`` by an earlier ``pip install .``
    never stands in for them; otherwise the package's ``.mim/``.

    Args:
        path (str): The file's path from the repository root, e.g.
            ``'tools/train.py'``.

    Returns:
        str: Its absolute path.

    Raises:
        FileNotFoundError: If neither place has it.
    """
    places = [osp.join(PACKAGE_DIR, '.mim')]
    checkout = osp.dirname(PACKAGE_DIR)
    if osp.isfile(osp.join(checkout, 'setup.py')):
        places.insert(0, checkout)
    for place in places:
        found = osp.join(place, path)
        if osp.exists(found):
            return found
    raise FileNotFoundError(
        f'{path} is not in {" nor in ".join(places)}; kga_mmaction ships '
        'configs/ and tools/ when installed with pip from its repository')


def tool_command(command: Sequence[str]) -> List[str]:
    """A ``python tools/<tool>.py ARGS`` command as this Python running the
    shipped tool; an argument naming a config from the repository root
    (``configs/...``) that the working directory lacks becomes the shipped
    config.

    Args:
        command (Sequence[str]): ``['python', 'tools/train.py', *args]``.

    Returns:
        list[str]: ``[sys.executable, <the tool>, *args]``.
    """
    _, tool, *args = command
    return [
        sys.executable,
        shipped_path(tool), *(shipped_path(arg) if arg.startswith(
            'configs' + os.sep) and not osp.exists(arg) else arg
                              for arg in args)
    ]
