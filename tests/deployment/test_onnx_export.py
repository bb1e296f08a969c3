"""ONNX export, int8 quantization and the ONNX Runtime model, on the tiny
KGA-Net (ResNet-18 at 32x32).

onnx and onnxruntime are in the pinned test set: these tests import them
and fail (not skip) where they are missing.
"""
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime  # noqa: F401  (fails clearly where it is missing)
import pytest
import torch
from mmengine.config import Config

from kga_mmaction.apis import init_kga_recognizer
from kga_mmaction.deployment import (OnnxVideoModel, VideoInferenceGraph,
                                     as_model_frames, float_operators)
from kga_mmaction.deployment.onnx_export import (ExportMismatchError,
                                                 ExportTolerance,
                                                 PROBABILITY_TOLERANCE)
from kga_mmaction.deployment.workflow import export_checkpoint

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def pytorch_graph(tiny_kga):
    model = init_kga_recognizer(tiny_kga.config, tiny_kga.checkpoint, 'cpu')
    return VideoInferenceGraph(model).eval()


def test_core_plugin_imports_no_onnx():
    code = ('import sys, kga_mmaction, kga_mmaction.deployment; '
            "bad = [m for m in ('onnx', 'onnxruntime', 'onnxscript') "
            'if m in sys.modules]; assert not bad, bad')
    result = subprocess.run([sys.executable, '-c', code], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]


def test_export_is_checked_on_random_and_real_frames(exported):
    names = [c.name for c in exported['checks']]
    assert 'random 128' in names
    assert sum(n.startswith('test video') for n in names) == 2
    for check in exported['checks']:
        assert check.max_abs_diff['probabilities'] <= PROBABILITY_TOLERANCE


def test_export_matches_pytorch_for_any_frame_count(tiny_kga, exported):
    graph = pytorch_graph(tiny_kga)
    model = OnnxVideoModel(exported['fp32'])
    rng = np.random.default_rng(3)
    for num_frames in (1, 7, 128):
        frames = rng.integers(0, 256, (num_frames, 3, 32, 32), np.uint8)
        with torch.no_grad():
            logits, probs, weights = graph(torch.from_numpy(frames))
        out = model(frames)
        assert out['frame_weights'].shape == (num_frames, )
        np.testing.assert_allclose(out['probabilities'], probs.numpy(),
                                   atol=PROBABILITY_TOLERANCE)
        np.testing.assert_allclose(out['logits'], logits.numpy(),
                                   atol=1e-3)
        np.testing.assert_allclose(out['frame_weights'], weights.numpy(),
                                   atol=1e-4)


def test_graph_normalises_uint8_frames_like_the_data_preprocessor(tiny_kga):
    """The graph on raw frames == the recognizer's own test path (data
    preprocessor, then predict)."""
    model = init_kga_recognizer(tiny_kga.config, tiny_kga.checkpoint, 'cpu')
    frames = torch.randint(0, 256, (5, 3, 32, 32), dtype=torch.uint8)
    from mmaction.structures import ActionDataSample
    data = model.data_preprocessor(
        dict(inputs=[frames], data_samples=[ActionDataSample()]))
    with torch.no_grad():
        sample = model.predict(data['inputs'], data['data_samples'])[0]
        _, probs, weights = VideoInferenceGraph(model).eval()(frames)
    np.testing.assert_allclose(probs.numpy(), sample.pred_score.numpy(),
                               atol=1e-6)
    np.testing.assert_allclose(weights.numpy(),
                               sample.frame_weights.numpy(), atol=1e-6)


def test_export_is_readable_as_any_new_file(exported):
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(exported['fp32']).st_mode & 0o777 == 0o666 & ~umask


def test_metadata_states_input_and_normalisation(exported):
    proto = onnx.load(exported['fp32'])
    (graph_input, ) = proto.graph.input
    assert graph_input.type.tensor_type.elem_type == onnx.TensorProto.UINT8
    model = OnnxVideoModel(exported['fp32'])
    meta = model.metadata
    assert meta['normalisation']['inside_graph'] is True
    np.testing.assert_allclose(meta['normalisation']['mean'],
                               [123.675, 116.28, 103.53])
    np.testing.assert_allclose(meta['normalisation']['std'],
                               [58.395, 57.12, 57.375])
    assert meta['input_size'] == [32, 32] and meta['max_frames'] == 128
    assert 'NOT normalised' in meta['input']
    assert meta['export_check']['max_abs_diff']['probabilities'] <= 1e-4


def test_model_refuses_normalised_or_misshaped_frames(exported):
    model = OnnxVideoModel(exported['fp32'])
    normalised = np.random.default_rng(0).normal(size=(4, 3, 32, 32))
    with pytest.raises(ValueError, match='do not normalise'):
        model(normalised.astype(np.float32))
    with pytest.raises(ValueError, match='1 <= T <= 128'):
        model(np.zeros((129, 3, 32, 32), np.uint8))
    with pytest.raises(ValueError, match=r'\[T, 3, 32, 32\]'):
        model(np.zeros((4, 3, 40, 32), np.uint8))
    # float frames holding raw pixel values are accepted, as uint8
    frames = np.random.default_rng(1).integers(0, 256, (4, 3, 32, 32))
    np.testing.assert_array_equal(
        model(frames.astype(np.float32))['probabilities'],
        model(frames.astype(np.uint8))['probabilities'])
    assert as_model_frames(frames.astype(np.float64)).dtype == np.uint8


def test_export_beyond_tolerance_writes_nothing(tiny_kga, tmp_path):
    """A failed check leaves ``out`` as it was and no temporary file."""
    out = tmp_path / 'model.onnx'
    out.write_text('previous model')
    cfg = Config.fromfile(tiny_kga.config)
    with pytest.raises(ExportMismatchError, match='not writing'):
        export_checkpoint(cfg, tiny_kga.checkpoint, str(out),
                          check_videos=0,
                          tolerance=ExportTolerance(probabilities=-1.0))
    assert out.read_text() == 'previous model'
    assert os.listdir(tmp_path) == ['model.onnx']


def test_int8_is_qdq_per_channel_and_close_to_fp32(exported):
    proto = onnx.load(exported['int8'])
    ops = [n.op_type for n in proto.graph.node]
    assert ops.count('QuantizeLinear') > 10
    # per-channel: the weight scales of the convolutions are vectors
    inits = {i.name: i for i in proto.graph.initializer}
    conv_weight_dq = [
        n for n in proto.graph.node if n.op_type == 'DequantizeLinear'
        and n.input[0] in inits and len(inits[n.input[0]].dims) == 4]
    assert conv_weight_dq
    assert all(len(inits[n.input[1]].dims) == 1
               and inits[n.input[1]].dims[0] > 1 for n in conv_weight_dq)
    # the head stays in float, the backbone's convolutions do not
    floats = exported['floats']
    assert {'Sigmoid', 'Softmax'} <= set(floats)
    assert 'Conv' not in floats
    assert float_operators(proto) == floats
    meta = OnnxVideoModel(exported['int8']).metadata
    assert meta['quantization']['float_operators'] == floats
    assert meta['quantization']['calibration_videos'] == 3
    fp32 = OnnxVideoModel(exported['fp32'])
    int8 = OnnxVideoModel(exported['int8'])
    frames = np.random.default_rng(5).integers(0, 256, (8, 3, 32, 32),
                                               np.uint8)
    diff = np.abs(fp32(frames)['probabilities'] -
                  int8(frames)['probabilities']).max()
    assert diff <= 0.02
