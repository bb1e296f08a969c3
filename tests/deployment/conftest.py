"""The tiny KGA-Net exported to ONNX (fp32 and int8), for the deployment
tests."""
import pytest
from mmengine.config import Config

from kga_mmaction.deployment.workflow import (export_checkpoint,
                                              quantize_export)


@pytest.fixture(scope='session')
def exported(tiny_kga, tmp_path_factory):
    """The tiny model's fp32 and int8 exports and the export checks."""
    root = tmp_path_factory.mktemp('onnx')
    cfg = Config.fromfile(tiny_kga.config)
    fp32 = str(root / 'tiny.onnx')
    checks = export_checkpoint(cfg, tiny_kga.checkpoint, fp32,
                               check_videos=2)
    int8 = str(root / 'tiny-int8.onnx')
    floats = quantize_export(cfg, fp32, int8, calibration_videos=3)
    return dict(fp32=fp32, int8=int8, checks=checks, floats=floats,
                cfg=cfg)
