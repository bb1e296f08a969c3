"""Safe loading of mmengine checkpoints with ``weights_only=True``.

Since torch 2.6, :func:`torch.load` defaults to ``weights_only=True``, which
only rebuilds tensors, containers and allowlisted globals. mmengine 0.10.7
calls ``torch.load(filename, map_location=...)`` without ``weights_only``, so
``load_from`` and ``resume`` of the checkpoints mmengine's own Runner writes
fail with ``Unsupported global``: their ``message_hub`` holds
:class:`~mmengine.logging.HistoryBuffer` objects wrapping numpy arrays, and
numpy scalars (``eta``, ``best_score``) sit in its runtime info.

Turning unrestricted unpickling back on (``weights_only=False`` or
``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD``) would let any downloaded checkpoint run
arbitrary code. Instead, :data:`~.safe_globals.SAFE_GLOBALS` allowlists
exactly the globals such checkpoints need, :func:`load_checkpoint_safely`
loads with
``weights_only=True`` inside :func:`torch.serialization.safe_globals`, and
:func:`register_safe_checkpoint_loader` routes every scheme of mmengine's
``CheckpointLoader`` (``Runner.load_checkpoint``, ``load_from``, ``resume``,
``init_cfg=dict(type='Pretrained')``, :func:`mmengine.runner.load_checkpoint`)
to it. Unrestricted unpickling is an explicit opt-in: ``trust=True``
(``--trust-checkpoint`` in the tools).

Local paths (prefix ``''``) get a loader of this module. The other schemes
(``http://``, ``https://``, ``torchvision://``, ``modelzoo://``,
``open-mmlab://``, ``openmmlab://``, ``mmcls://``, ``s3://``, ``petrel://``,
``pavi://``) keep mmengine's loaders for resolving names, downloading into the
torch hub cache (``$TORCH_HOME/hub/checkpoints``) or ``MMENGINE_HOME``, and
distributed barriers; only their unpickling is replaced: while one of them
runs, the ``torch.load`` calls it makes (directly or through
:func:`torch.hub.load_state_dict_from_url`) from the calling thread go to the
same checked loader as local paths, whatever ``weights_only`` they pass.

Before unpickling, the first bytes are checked: ``torch.save`` writes a zip
archive (``PK\\x03\\x04``) or, in its legacy format, a pickle starting with
the protocol byte ``0x80``. Empty files, other files (text, HTML pages) and
truncated archives raise :class:`InvalidCheckpointError`, which says what the
file is, in either trust mode.

Known limitation: mmengine's ``OneCycleLR`` / ``OneCycleParamScheduler``
keeps a bound method (``anneal_func``) in its state dict, which pickles the
whole scheduler object. Such checkpoints are refused (the error names
``OneCycleParamScheduler``) and need ``trust=True``; every other scheduler
and optimizer state we tried (LinearLR, MultiStepLR, StepLR, PolyLR,
CosineAnnealingLR with SGD, Adam, AdamW) loads safely.
"""
import contextlib
import logging
import os
import os.path as osp
import pickle
import threading
from typing import IO, Any, Callable, Iterator, Optional, Tuple, Union

import torch
from mmengine.logging import print_log
from mmengine.runner.checkpoint import CheckpointLoader

from .safe_globals import SAFE_GLOBALS, offending_global

__all__ = [
    'InvalidCheckpointError', 'UnsafeCheckpointError',
    'load_checkpoint_safely', 'register_safe_checkpoint_loader'
]

MapLocation = Union[None, str, torch.device, dict, Callable]
CheckpointSource = Union[str, os.PathLike, IO[bytes]]
class UnsafeCheckpointError(ValueError):
    """A checkpoint needs a global outside :data:`~.safe_globals.SAFE_GLOBALS`.

    Unpickling such a global could run arbitrary code, so the checkpoint is
    refused unless the user states that they trust the file.

    Args:
        filename (str): Path of the refused checkpoint.
        offending_global (str): Dotted name of the global that was rejected,
            e.g. ``'builtins.exec'``.
    """

    def __init__(self, filename: str, offending_global: str) -> None:
        self.filename = filename
        self.offending_global = offending_global
        super().__init__(
            f'Refusing to load checkpoint {filename}: it needs the global '
            f'{offending_global}, which is not in '
            'kga_mmaction.engine.SAFE_GLOBALS, and unpickling it could run '
            'arbitrary code. If you trust this file, pass --trust-checkpoint '
            'to tools/train.py or tools/test.py, or trust=True to '
            'kga_mmaction.engine.load_checkpoint_safely / '
            'register_safe_checkpoint_loader.')

    def __reduce__(self) -> Tuple[type, Tuple[str, str]]:
        """Pickle with the constructor's arguments (for worker processes)."""
        return type(self), (self.filename, self.offending_global)


class InvalidCheckpointError(ValueError):
    """A file given as a checkpoint is not a loadable PyTorch checkpoint.

    Raised for empty files, files that are not in a format ``torch.save``
    writes (text, HTML pages) and truncated or corrupt archives, whatever the
    trust mode: unpickling would not help.

    Args:
        filename (str): Path (or URL and local copy) of the file.
        size (int): Size of the file in bytes.
        problem (str): What the file is, e.g. ``'the file is empty'``.
    """

    def __init__(self, filename: str, size: int, problem: str) -> None:
        self.filename = filename
        self.size = size
        self.problem = problem
        super().__init__(
            f'Cannot load checkpoint {filename} ({size} bytes): {problem}.')

    def __reduce__(self) -> Tuple[type, Tuple[str, int, str]]:
        """Pickle with the constructor's arguments (for worker processes)."""
        return type(self), (self.filename, self.size, self.problem)


#: How a file that ``torch.save`` writes begins: a zip archive (the default
#: since PyTorch 1.6) or, in the legacy format, a pickle whose first opcode is
#: PROTO (``0x80``, torch.save's protocol 2).
_CHECKPOINT_MAGICS = (b'PK\x03\x04', b'\x80')
#: How many leading bytes of a non-checkpoint file its error message shows.
_SHOWN_HEAD_BYTES = 16


def _read_head(source: CheckpointSource) -> Tuple[bytes, int]:
    """Return the first bytes and the size of a file or seekable buffer.

    A buffer is left at the position it was read from.
    """
    if isinstance(source, (str, os.PathLike)):
        with open(source, 'rb') as file:
            return file.read(_SHOWN_HEAD_BYTES), osp.getsize(source)
    start = source.tell()
    head = source.read(_SHOWN_HEAD_BYTES)
    size = source.seek(0, os.SEEK_END) - start
    source.seek(start)
    return head, size


def _check_format(head: bytes, size: int, name: str) -> None:
    """Refuse files that ``torch.save`` cannot have written.

    Raises:
        InvalidCheckpointError: If the file is empty or starts with neither
            of :data:`_CHECKPOINT_MAGICS`.
    """
    if size == 0:
        raise InvalidCheckpointError(
            name, size, 'the file is empty, not a PyTorch checkpoint')
    if not head.startswith(_CHECKPOINT_MAGICS):
        zip_magic, pickle_magic = _CHECKPOINT_MAGICS
        raise InvalidCheckpointError(
            name, size,
            f'not a PyTorch checkpoint: it starts with {head!r}, while '
            f'torch.save writes a zip archive (starting with {zip_magic!r}) '
            f'or a legacy pickle (starting with {pickle_magic!r})')


def _load_checked(source: CheckpointSource, name: str,
                  map_location: MapLocation, trust: bool) -> Any:
    """Check the format of ``source``, then unpickle it.

    Args:
        source (str | os.PathLike | IO[bytes]): Local file or buffer.
        name (str): How errors and warnings name the checkpoint.
        map_location (str | torch.device | dict | Callable, optional): Same
            as :func:`torch.load`.
        trust (bool): Unpickle anything instead of only
            :data:`~.safe_globals.SAFE_GLOBALS`.

    Returns:
        Any: The loaded checkpoint.

    Raises:
        InvalidCheckpointError: If ``source`` is empty, not in a format
            ``torch.save`` writes, or truncated.
        UnsafeCheckpointError: If ``trust`` is False and the checkpoint needs
            a global outside :data:`~.safe_globals.SAFE_GLOBALS`.
    """
    head, size = _read_head(source)
    _check_format(head, size, name)
    if trust:
        print_log(
            f'Loading {name} with weights_only=False (trust=True): '
            'unpickling can run arbitrary code from this file.',
            logger='current',
            level=logging.WARNING)
    try:
        if trust:
            # torch.serialization.load is torch.load itself, reached under a
            # name that _route_torch_load does not replace.
            return torch.serialization.load(source,
                                            map_location=map_location,
                                            weights_only=False)
        with torch.serialization.safe_globals(SAFE_GLOBALS):
            return torch.serialization.load(source,
                                            map_location=map_location,
                                            weights_only=True)
    except pickle.UnpicklingError as error:
        if trust:
            raise
        raise UnsafeCheckpointError(name,
                                    offending_global(str(error))) from error
    except EOFError as error:
        raise InvalidCheckpointError(
            name, size, 'the file ends before its data does: it is '
            'truncated') from error
    except RuntimeError as error:
        # torch's zip reader: "PytorchStreamReader failed reading zip
        # archive: failed finding central directory. This is an internal..."
        if 'PytorchStreamReader' not in str(error):
            raise
        reason = str(error).split('. ')[0]
        raise InvalidCheckpointError(
            name, size,
            f'a truncated or corrupt zip archive ({reason})') from error


def load_checkpoint_safely(filename: Union[str, os.PathLike],
                           map_location: MapLocation = None,
                           trust: bool = False) -> Any:
    """Load a checkpoint file with only allowlisted globals.

    Args:
        filename (str | os.PathLike): Local checkpoint path; ``~`` is
            expanded.
        map_location (str | torch.device | dict | Callable, optional): Same
            as :func:`torch.load`. Defaults to None.
        trust (bool): Load with ``weights_only=False``, i.e. unpickle
            anything. Only for files from a trusted source. Defaults to False.

    Returns:
        Any: The loaded checkpoint, usually a dict.

    Raises:
        FileNotFoundError: If ``filename`` is not a file.
        InvalidCheckpointError: If the file is empty, not in a format
            ``torch.save`` writes (e.g. text), or a truncated archive.
        UnsafeCheckpointError: If ``trust`` is False and the checkpoint needs
            a global outside :data:`~.safe_globals.SAFE_GLOBALS`.
    """
    filename = osp.expanduser(os.fspath(filename))
    if not osp.isfile(filename):
        raise FileNotFoundError(f'Checkpoint file not found: {filename}')
    return _load_checked(filename, filename, map_location, trust)


def load_from_local_safe(filename: str,
                         map_location: MapLocation = None) -> Any:
    """mmengine local-path loader that refuses non-allowlisted globals.

    Mirrors ``mmengine.runner.checkpoint.load_from_local`` (``~`` expansion,
    missing file check) with :func:`load_checkpoint_safely`. mmengine logs
    the name after ``load_from_``: "Loads checkpoint by local_safe backend".

    Args:
        filename (str): Local checkpoint path.
        map_location (str | torch.device | dict | Callable, optional): Same
            as :func:`torch.load`. Defaults to None.

    Returns:
        Any: The loaded checkpoint.
    """
    return load_checkpoint_safely(filename, map_location, trust=False)


def load_from_local_trusted(filename: str,
                            map_location: MapLocation = None) -> Any:
    """:func:`load_from_local_safe` that unpickles anything
    (``--trust-checkpoint``: ``trust=True``), same arguments."""
    return load_checkpoint_safely(filename, map_location, trust=True)


# torch.load is one attribute of the torch module for the whole process, so
# one routed load replaces it at a time.
_ROUTING_LOCK = threading.RLock()


@contextlib.contextmanager
def _route_torch_load(source: str, trust: bool) -> Iterator[None]:
    """Send the calling thread's ``torch.load`` calls to :func:`_load_checked`.

    mmengine's URL loaders and :func:`torch.hub.load_state_dict_from_url`
    call ``torch.load`` as an attribute of the torch module, so replacing
    that attribute while they run reaches every unpickling they do. Other
    threads keep the previous ``torch.load``.

    Args:
        source (str): The checkpoint name mmengine was given (a URL or
            ``scheme://name``), for error messages.
        trust (bool): Unpickle anything instead of only
            :data:`~.safe_globals.SAFE_GLOBALS`.
    """
    owner = threading.get_ident()
    with _ROUTING_LOCK:
        previous = torch.load

        def checked_load(f: CheckpointSource,
                         map_location: MapLocation = None,
                         *,
                         weights_only: Optional[bool] = None) -> Any:
            # weights_only is what the caller asked for (torch.hub passes
            # False); the trust mode decides instead.
            if isinstance(f, (str, os.PathLike)):
                name = f'{source} (local copy {os.fspath(f)})'
            else:
                name = source
            return _load_checked(f, name, map_location, trust)

        def routed_load(f: Any, *args: Any, **kwargs: Any) -> Any:
            if threading.get_ident() != owner:
                return previous(f, *args, **kwargs)
            return checked_load(f, *args, **kwargs)

        torch.load = routed_load
        try:
            yield
        finally:
            torch.load = previous


class _RoutedSchemeLoader:
    """An mmengine scheme loader whose unpickling goes through
    :func:`_load_checked`.

    Args:
        loader (Callable): mmengine's loader for the scheme, e.g.
            ``load_from_http``.
        trust (bool): Unpickle anything instead of only
            :data:`~.safe_globals.SAFE_GLOBALS`.
    """

    def __init__(self, loader: Callable, trust: bool) -> None:
        self.loader = loader
        self.trust = trust
        # mmengine logs __name__[10:]: "Loads checkpoint by http_safe backend".
        self.__name__ = f'{loader.__name__}_{"trusted" if trust else "safe"}'

    def __call__(self, filename: str, map_location: MapLocation = None) -> Any:
        """Run mmengine's loader with ``torch.load`` routed."""
        with _route_torch_load(filename, self.trust):
            return self.loader(filename, map_location)


def register_safe_checkpoint_loader(trust: bool = False) -> None:
    """Route every scheme of mmengine's ``CheckpointLoader`` through this
    module.

    The local-path scheme (prefix ``''``, the fallback for any path) gets
    :func:`load_from_local_safe`; every other registered scheme keeps
    mmengine's loader with its unpickling routed to the same checks (see the
    module docstring). So ``Runner.load_checkpoint``, ``load_from``,
    ``resume``, ``Pretrained`` init and :func:`mmengine.runner.load_checkpoint`
    refuse non-allowlisted globals for local files and downloads alike.
    Calling it again switches the mode; schemes registered with mmengine
    after the call are not covered until the next call.

    Args:
        trust (bool): Unpickle anything (``weights_only=False``) instead of
            only :data:`~.safe_globals.SAFE_GLOBALS`. Defaults to False.
    """
    for prefix, loader in list(CheckpointLoader._schemes.items()):
        if prefix == '':
            continue
        if isinstance(loader, _RoutedSchemeLoader):
            loader = loader.loader
        CheckpointLoader.register_scheme(prefixes=prefix,
                                         loader=_RoutedSchemeLoader(
                                             loader, trust),
                                         force=True)
    local = load_from_local_trusted if trust else load_from_local_safe
    CheckpointLoader.register_scheme(prefixes='', loader=local, force=True)
