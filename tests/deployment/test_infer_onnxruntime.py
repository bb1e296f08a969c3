"""tools/infer.py --backend onnxruntime prints what the PyTorch path
prints: the same diagnosis and keyframes, to 0.02 in probability."""
import os.path as osp
import re
import sys

import pytest

# the helpers of tools/infer.py's own tests (tests/tools is no package)
sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..',
                            'tools'))
from test_infer_tool import load_infer, write_mp4  # noqa: E402

PROBABILITY = re.compile(r'^malignant probability: (\S+)$', re.MULTILINE)
PREDICTION = re.compile(r'^prediction: (\w+) ', re.MULTILINE)
KEYFRAME = re.compile(r'^\s+(\d+)\s+frame\s+(\d+)\s+weight (\S+)',
                      re.MULTILINE)
NUM_FRAMES = 12


def report(capsys, tiny_kga, video, *args):
    load_infer().main([tiny_kga.config, *args, str(video), '--device', 'cpu',
                       '--top-k', str(NUM_FRAMES)])
    out = capsys.readouterr().out
    frames = {int(i): float(w) for _, i, w in KEYFRAME.findall(out)}
    return (float(PROBABILITY.search(out).group(1)),
            PREDICTION.search(out).group(1),
            [int(i) for _, i, _ in KEYFRAME.findall(out)], frames)


@pytest.fixture(scope='module')
def video(tmp_path_factory):
    return write_mp4(tmp_path_factory.mktemp('video') / 'clip.mp4',
                     NUM_FRAMES)


def pytorch_and_onnx(capsys, tiny_kga, video, onnx: str) -> tuple:
    """What the PyTorch path and the ONNX Runtime path on ``onnx`` print
    for ``video``: two :func:`report` tuples."""
    return (report(capsys, tiny_kga, video, tiny_kga.checkpoint),
            report(capsys, tiny_kga, video, '-', '--backend', 'onnxruntime',
                   '--onnx', onnx))


def test_fp32_onnx_prints_the_pytorch_diagnosis(tiny_kga, exported, video,
                                                capsys):
    (prob, label, order, _), (onnx_prob, onnx_label, onnx_order,
                              _) = pytorch_and_onnx(capsys, tiny_kga, video,
                                                    exported['fp32'])
    assert onnx_label == label and abs(onnx_prob - prob) <= 0.02
    assert len(order) == NUM_FRAMES and onnx_order == order


def test_int8_onnx_prints_the_pytorch_diagnosis(tiny_kga, exported, video,
                                                capsys):
    """Int8 may reorder frames of near-equal weight: the weights, not the
    order, are compared."""
    (prob, label, _, weights), (int8_prob, int8_label, _,
                                int8_weights) = pytorch_and_onnx(
                                    capsys, tiny_kga, video, exported['int8'])
    assert int8_label == label and abs(int8_prob - prob) <= 0.02
    assert int8_weights.keys() == weights.keys()
    assert max(abs(int8_weights[i] - weights[i]) for i in weights) <= 0.02


def test_onnx_backend_options_are_checked(tiny_kga, exported, video, capsys):
    infer = load_infer()
    for args in (['--backend', 'onnxruntime'],
                 ['--onnx', exported['fp32']],
                 ['--backend', 'onnxruntime', '--onnx', exported['fp32'],
                  '--fast']):
        with pytest.raises(SystemExit) as info:
            infer.main([tiny_kga.config, '-', str(video), *args])
        assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        infer.main([tiny_kga.config, '-', str(video), '--backend',
                    'onnxruntime', '--onnx', str(video) + '.missing'])
    assert 'ONNX model not found' in str(info.value.code)
