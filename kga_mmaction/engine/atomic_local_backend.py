"""A local file backend whose writes never leave a partial file."""
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend

from ..utils import write_atomically

ATOMIC_LOCAL_BACKEND = 'local_atomic'


@register_backend(ATOMIC_LOCAL_BACKEND)
class AtomicLocalBackend(LocalBackend):
    """mmengine's ``LocalBackend`` whose ``put`` is atomic.

    ``put`` (what mmengine's ``save_checkpoint`` writes through) writes the
    bytes to a hidden temporary file in the destination's folder, fsyncs it
    and renames it into place (:func:`write_atomically`). A process killed
    mid-write therefore leaves the previous file, or none, under the final
    name, never a truncated one. Selected by name
    (``backend_args=dict(backend='local_atomic')``), never by a path prefix,
    so nothing else changes backend; ``AtomicCheckpointHook`` uses it.
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write ``obj`` to ``filepath`` atomically, creating its folder.

        Args:
            obj (bytes): Data to be written.
            filepath (str or Path): Destination file.
        """
        write_atomically(str(filepath), lambda f: f.write(obj), binary=True)
