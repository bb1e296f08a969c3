"""Compatibility shims for known defects of the upstream packages.

This is the only module of kga_mmaction that works around upstream bugs.
Every shim is a no-op where the defect is absent.

* **mmaction2 1.2.0 wheel without ``mmaction/models/localizers/drn``.**
  The PyPI wheel drops that directory (it has no ``__init__.py`` upstream, so
  ``find_packages`` skips it; upstream issue 2714), and
  ``import mmaction.models`` then fails at ``from .drn.drn import DRN``.
  :func:`patch_missing_drn` puts placeholder modules for
  ``mmaction.models.localizers.drn`` and ``...drn.drn`` into ``sys.modules``
  before ``mmaction.models`` is imported, only when the real files are
  absent. Site-packages is never modified. DRN (a temporal grounding model)
  is then unavailable; every recognition model works. A source install of
  mmaction2, which has the files, is left untouched.
"""
import importlib.util
import os.path as osp
import sys
import types

DRN_MODULE = 'mmaction.models.localizers.drn'


def _drn_files_present() -> bool:
    """Return whether mmaction2's DRN localizer is installed on disk."""
    spec = importlib.util.find_spec('mmaction')
    if spec is None or spec.origin is None:
        return True  # nothing to patch: mmaction itself is missing
    drn_dir = osp.join(osp.dirname(spec.origin), 'models', 'localizers', 'drn')
    return osp.isfile(osp.join(drn_dir, 'drn.py'))


class _MissingDRN:
    """Stands in for ``DRN`` when the wheel lacks it; fails on use."""

    def __init__(self, *args, **kwargs) -> None:
        raise ImportError(
            'mmaction2 was installed from a wheel without '
            f'{DRN_MODULE.replace(".", "/")}/ (upstream issue 2714); DRN is '
            'unavailable. Install mmaction2 from source to use it.')


def patch_missing_drn() -> bool:
    """Make ``import mmaction.models`` work with the broken 1.2.0 wheel.

    Returns:
        bool: True when placeholder modules were installed, False when the
        real DRN files exist (or ``mmaction.models`` was already imported),
        in which case nothing is changed.
    """
    if DRN_MODULE in sys.modules or 'mmaction.models' in sys.modules:
        return False
    if _drn_files_present():
        return False
    package = types.ModuleType(DRN_MODULE)
    package.__path__ = []  # a package, so that ``.drn.drn`` resolves
    module = types.ModuleType(DRN_MODULE + '.drn')
    module.DRN = _MissingDRN
    package.drn = module
    sys.modules[DRN_MODULE] = package
    sys.modules[DRN_MODULE + '.drn'] = module
    return True
