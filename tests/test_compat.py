"""The mmaction2 1.2.0 wheel defect (missing localizers/drn) and its shim."""
import os.path as osp
import subprocess
import sys
import textwrap

import pytest

COMPAT = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                  'kga_mmaction', 'compat.py')


def make_fake_mmaction(root, with_drn):
    """A package shaped like mmaction whose models import DRN."""
    pkg = root / 'mmaction'
    localizers = pkg / 'models' / 'localizers'
    localizers.mkdir(parents=True)
    (pkg / '__init__.py').write_text('')
    (pkg / 'models' / '__init__.py').write_text('from .localizers import *\n')
    (localizers / '__init__.py').write_text('from .drn.drn import DRN\n')
    if with_drn:
        (localizers / 'drn').mkdir()
        (localizers / 'drn' / 'drn.py').write_text('class DRN:\n    real = 1\n')


def run_with_fake(root, code):
    """Load compat.py by path beside the fake mmaction, run ``code``."""
    script = textwrap.dedent(f"""
        import importlib.util, sys
        spec = importlib.util.spec_from_file_location('compat', {COMPAT!r})
        compat = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(compat)
    """) + textwrap.dedent(code)
    return subprocess.run([sys.executable, '-c', script], cwd=root,
                          capture_output=True, text=True,
                          env={'PYTHONPATH': str(root)})


def test_wheel_without_drn_imports_after_patch(tmp_path):
    make_fake_mmaction(tmp_path, with_drn=False)
    result = run_with_fake(tmp_path, """
        try:
            import mmaction.models
        except ModuleNotFoundError:
            pass
        else:
            raise SystemExit('the fake wheel should be broken')
        for name in [m for m in sys.modules if m.startswith('mmaction')]:
            del sys.modules[name]
        assert compat.patch_missing_drn() is True
        import mmaction.models
        from mmaction.models.localizers import DRN
        try:
            DRN()
        except ImportError as e:
            print('DRN:', e)
    """)
    assert result.returncode == 0, result.stderr
    assert 'DRN: mmaction2 was installed from a wheel without' in result.stdout


def test_source_install_is_left_alone(tmp_path):
    make_fake_mmaction(tmp_path, with_drn=True)
    result = run_with_fake(tmp_path, """
        assert compat.patch_missing_drn() is False
        assert 'mmaction.models.localizers.drn' not in sys.modules
        from mmaction.models.localizers import DRN
        print('real' if DRN.real else 'fake')
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == 'real'


def test_importing_kga_mmaction_is_enough():
    """In the installed environment: mmaction.models works and registers
    every recognition component, ours included."""
    code = textwrap.dedent("""
        import kga_mmaction
        import mmaction.models
        from mmaction.registry import MODELS
        for name in ('Recognizer2D', 'Recognizer3D', 'TSNHead', 'MViT',
                     'KGARecognizer', 'FrameAttentionHead', 'CenterLoss',
                     'CoherenceLoss'):
            assert MODELS.get(name) is not None, name
        print('ok')
    """)
    result = subprocess.run([sys.executable, '-c', code], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == 'ok'


def test_patch_is_a_no_op_once_mmaction_models_is_imported():
    import mmaction.models  # noqa: F401

    from kga_mmaction.compat import patch_missing_drn
    assert patch_missing_drn() is False
