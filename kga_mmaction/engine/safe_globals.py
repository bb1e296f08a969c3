"""The globals a safe (``weights_only``) load of an mmengine checkpoint needs.

torch >= 2.6 unpickles checkpoints with ``weights_only=True``: tensors,
containers and allowlisted globals only. Checkpoints written by an mmengine
Runner also hold :class:`~mmengine.logging.HistoryBuffer` objects wrapping
numpy arrays (``message_hub``) and numpy scalars (``eta``, ``best_score``).
:data:`SAFE_GLOBALS` lists exactly those globals, with the dotted names
pickle refers to them by, for the installed numpy and mmengine;
:func:`offending_global` reads the rejected global's name out of torch's
error message. :mod:`.checkpoint_loading` loads with them.
"""
import inspect
import pickle
import re
from typing import Any, Callable, List, Tuple

import numpy as np
from mmengine.logging import HistoryBuffer

__all__ = ['SAFE_GLOBALS', 'SafeGlobal', 'offending_global']

SafeGlobal = Tuple[Any, str]

try:  # numpy >= 2.0 (numpy 1.26 also ships this path as a shim)
    from numpy._core import multiarray as _np_multiarray
except ImportError:  # numpy < 1.26
    from numpy.core import multiarray as _np_multiarray  # type: ignore

# numpy 2.x pickles name its C helpers ``numpy._core.multiarray.*`` and numpy
# 1.x pickles ``numpy.core.multiarray.*``; both names map to the helper of the
# installed numpy, so checkpoints written under either major version load.
_NUMPY_MULTIARRAY_MODULES = ('numpy._core.multiarray', 'numpy.core.multiarray')


def _history_buffer_statistic(obj: Any, name: Any) -> Callable:
    """Stand-in for ``builtins.getattr`` that only resolves HistoryBuffer
    statistics methods.

    ``HistoryBuffer.__getstate__`` stores its ``statistics_methods`` dict
    (``{'min': HistoryBuffer.min, ...}``), and pickle writes each of those
    functions as ``getattr(HistoryBuffer, 'min')``. Allowlisting the real
    ``builtins.getattr`` would let a checkpoint read any attribute of any
    allowlisted object, so this function is registered under that name
    instead and only returns public functions defined on
    :class:`~mmengine.logging.HistoryBuffer`.

    Args:
        obj (Any): The object pickle asks an attribute of.
        name (Any): The attribute name.

    Returns:
        Callable: ``getattr(HistoryBuffer, name)``.

    Raises:
        pickle.UnpicklingError: For any other object or attribute.
    """
    if (obj is HistoryBuffer and isinstance(name, str)
            and not name.startswith('_')
            and inspect.isfunction(vars(HistoryBuffer).get(name))):
        return getattr(HistoryBuffer, name)
    target = getattr(obj, '__qualname__', type(obj).__qualname__)
    # No spaces in the global's name so that it parses like torch's messages.
    raise pickle.UnpicklingError(
        f'Unsupported global: GLOBAL builtins.getattr({target},{name!r}) was '
        'not an allowed global by default. Only public methods of '
        'mmengine.logging.HistoryBuffer may be resolved through getattr.')


def _numpy_dtype_class(scalar_type: type) -> SafeGlobal:
    """Return the dtype class numpy unpickles ``np.dtype(scalar_type)`` as.

    ``np.dtype`` instances are rebuilt by BUILD into their per-dtype class
    (``numpy.dtypes.Float64DType`` in numpy >= 1.25, ``numpy.dtype[float64]``
    before), so the class is resolved from the installed numpy rather than
    from a module path.

    Args:
        scalar_type (type): A numpy scalar type such as ``np.float64``.

    Returns:
        tuple[type, str]: The dtype class and its dotted name.
    """
    dtype_class = type(np.dtype(scalar_type))
    return dtype_class, f'{dtype_class.__module__}.{dtype_class.__qualname__}'


def _build_safe_globals() -> List[SafeGlobal]:
    """Assemble :data:`SAFE_GLOBALS` for the installed numpy and mmengine."""
    safe_globals: List[SafeGlobal] = [
        # message_hub['log_scalars'] values (train/loss, val/acc/top1, ...).
        (HistoryBuffer, 'mmengine.logging.history_buffer.HistoryBuffer'),
        # HistoryBuffer state holds getattr(HistoryBuffer, 'min'/'max'/...).
        (_history_buffer_statistic, 'builtins.getattr'),
        # HistoryBuffer._log_history / _count_history are numpy arrays.
        (np.ndarray, 'numpy.ndarray'),
        # Every numpy array and scalar pickles its np.dtype.
        (np.dtype, 'numpy.dtype'),
        # BUILD of np.dtype('float64'): HistoryBuffer._log_history, and
        # numpy float scalars in runtime_info ('eta', 'best_score').
        _numpy_dtype_class(np.float64),
        # BUILD of np.dtype('int64'): HistoryBuffer._count_history.
        _numpy_dtype_class(np.int64),
        # BUILD of np.dtype('float32'): 'best_score' of a metric computed in
        # float32 (e.g. from a torch tensor), saved by CheckpointHook.
        _numpy_dtype_class(np.float32),
        # BUILD of np.dtype('int32'): _count_history where numpy's default
        # integer is 32-bit (numpy 1.x on Windows).
        _numpy_dtype_class(np.int32),
    ]
    for module in _NUMPY_MULTIARRAY_MODULES:
        safe_globals += [
            # Rebuilds numpy arrays (ndarray.__reduce__).
            (_np_multiarray._reconstruct, f'{module}._reconstruct'),
            # Rebuilds numpy scalars such as np.float64 (runtime_info 'eta').
            (_np_multiarray.scalar, f'{module}.scalar'),
        ]
    return safe_globals


#: Globals, with the dotted names pickle refers to them by, that checkpoints
#: written by an mmengine Runner (mmaction2 model, optimizer and param
#: scheduler state, message hub, meta) need beyond torch's defaults. Found
#: empirically: train a Runner, then see what ``torch.load(weights_only=True)``
#: rejects. ``collections.OrderedDict``, ``_codecs.encode`` and the torch
#: tensor rebuilders are allowed by torch already.
SAFE_GLOBALS: List[SafeGlobal] = _build_safe_globals()

_OFFENDING_GLOBAL_PATTERNS = (
    # "Unsupported global: GLOBAL exec was not an allowed global by default."
    re.compile(r'GLOBAL (\S+) was not an allowed global'),
    # "Trying to load unsupported GLOBAL posix.system whose module ... blocked"
    re.compile(r'unsupported GLOBAL (\S+) whose module'),
    # "Can only build Tensor, ... but got <class 'numpy.dtypes.Float16DType'>"
    re.compile(r"but got <class '([^']+)'>"),
    # "Trying to call reduce for unrecognized function <function f at 0x..>"
    re.compile(r'unrecognized function (.+?)(?: which belongs to |$)',
               re.MULTILINE),
)


def offending_global(message: str) -> str:
    """Extract the rejected global's name from torch's UnpicklingError text.

    torch drops the ``builtins.`` prefix (``GLOBAL exec``); it is put back so
    that the name says where the global comes from.

    Args:
        message (str): ``str()`` of the error ``torch.load`` raised.

    Returns:
        str: The dotted name of the global, or torch's own description of
        the failure when no known pattern matches.
    """
    for pattern in _OFFENDING_GLOBAL_PATTERNS:
        match = pattern.search(message)
        if match is None:
            continue
        name = match.group(1)
        if pattern is _OFFENDING_GLOBAL_PATTERNS[0] and '.' not in name:
            name = f'builtins.{name}'
        return name
    details = message.split('WeightsUnpickler error:')[-1].strip()
    return details.splitlines()[0] if details else message
