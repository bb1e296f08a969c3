"""Static int8 post-training quantization of an exported KGA-Net.

ONNX Runtime's ``quantize_static`` in QDQ format with per-channel weights,
calibrated on the frames of training videos (the config's training split,
through the test pipeline: the frames the model sees at inference). The
fp32 model is first pre-processed (``quant_pre_process``: shape inference,
BatchNorm folded into the convolutions). :func:`float_operators` lists the
operators the quantized graph still computes in float.
"""
import collections
import json
import os
import os.path as osp
import shutil
import tempfile
from typing import Dict, Iterable, List, Optional, Sequence

import numpy as np

from .graph import INPUT_NAME
from .onnx_export import (METADATA_PREFIX, read_metadata,
                          require_deploy_packages)

#: Operator types quantized in the backbone. The spatial pooling and
#: everything after it (the head: attention, weighting, classifiers,
#: softmax; a few thousand FLOPs that decide the probability) stay float
#: (:func:`head_nodes`).
QUANTIZED_OP_TYPES = ('Conv', 'Add', 'Relu', 'MaxPool')


def calibration_reader(frame_sets: Iterable[np.ndarray]):
    """An ONNX Runtime ``CalibrationDataReader`` over uint8 frame sets."""
    require_deploy_packages()
    from onnxruntime.quantization import CalibrationDataReader

    class _Reader(CalibrationDataReader):

        def __init__(self) -> None:
            self._sets = iter(frame_sets)

        def get_next(self) -> Optional[Dict[str, np.ndarray]]:
            frames = next(self._sets, None)
            return None if frames is None else {INPUT_NAME: frames}

    return _Reader()


def head_nodes(model_proto) -> List[str]:
    """Names of the nodes from the first spatial pooling (``ReduceMean`` or
    ``GlobalAveragePool``) on: everything computed from pooled features."""
    pooling = ('ReduceMean', 'GlobalAveragePool')
    tainted, names = set(), []
    for node in model_proto.graph.node:  # topologically sorted
        if node.op_type in pooling or tainted & set(node.input):
            tainted.update(node.output)
            names.append(node.name)
    return names


def float_operators(model_proto) -> Dict[str, int]:
    """Operators of a QDQ graph that compute in float, counted by type:
    all but those whose data input is dequantized int8 and whose outputs
    are all quantized again (ONNX Runtime runs those in int8)."""
    producers = {out: node.op_type for node in model_proto.graph.node
                 for out in node.output}
    consumers = collections.defaultdict(list)
    for node in model_proto.graph.node:
        for name in node.input:
            consumers[name].append(node.op_type)
    graph_outputs = {o.name for o in model_proto.graph.output}
    counts = collections.Counter()
    for node in model_proto.graph.node:
        if node.op_type in ('QuantizeLinear', 'DequantizeLinear'):
            continue
        int8_in = bool(node.input) and producers.get(
            node.input[0]) == 'DequantizeLinear'
        int8_out = all(
            out not in graph_outputs and consumers[out] and all(
                op == 'QuantizeLinear' for op in consumers[out])
            for out in node.output)
        if not (int8_in and int8_out):
            counts[node.op_type] += 1
    return dict(sorted(counts.items()))


def quantize_int8(fp32_path: str, out: str,
                  calibration: Iterable[np.ndarray],
                  op_types: Sequence[str] = QUANTIZED_OP_TYPES,
                  per_channel: bool = True,
                  calibrate_method: str = 'MinMax',
                  extra_metadata: Optional[dict] = None) -> Dict[str, int]:
    """Quantize ``fp32_path`` to ``out`` (written atomically).

    Args:
        fp32_path (str): An fp32 export (:func:`export_onnx`).
        out (str): The int8 ``.onnx`` file to write.
        calibration (Iterable[np.ndarray]): uint8 ``[T, 3, H, W]`` frames
            of the calibration videos, one array per video.
        op_types (Sequence[str]): Operator types to quantize.
        per_channel (bool): Per-channel weight scales. Defaults to True.
        calibrate_method (str): ``'MinMax'``, ``'Entropy'`` or
            ``'Percentile'`` (:class:`CalibrationMethod`).
        extra_metadata (dict, optional): More ``kga.*`` metadata.

    Returns:
        dict: :func:`float_operators` of the written model.
    """
    onnx, _ = require_deploy_packages()
    from onnxruntime.quantization import (CalibrationMethod, QuantFormat,
                                          QuantType, quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process

    out = osp.abspath(out)
    work = tempfile.mkdtemp(prefix='.kga-quant-', dir=osp.dirname(out))
    try:
        prepared = osp.join(work, 'prepared.onnx')
        quant_pre_process(fp32_path, prepared, skip_symbolic_shape=False)
        quantized = osp.join(work, 'int8.onnx')
        excluded = head_nodes(onnx.load(prepared))
        quantize_static(
            prepared, quantized, calibration_reader(calibration),
            quant_format=QuantFormat.QDQ, per_channel=per_channel,
            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
            op_types_to_quantize=list(op_types),
            nodes_to_exclude=excluded,
            calibrate_method=getattr(CalibrationMethod, calibrate_method))
        proto = onnx.load(quantized)
        fp32_meta = read_metadata(onnx.load(fp32_path))
        floats = float_operators(proto)
        meta = {METADATA_PREFIX + k: json.dumps(v)
                for k, v in fp32_meta.items() if k != 'export_check'}
        meta[METADATA_PREFIX + 'quantization'] = json.dumps(dict(
            format='QDQ', per_channel=per_channel,
            activations='uint8', weights='int8',
            calibrate_method=calibrate_method,
            quantized_op_types=list(op_types), float_operators=floats,
            **(extra_metadata or {})))
        onnx.helper.set_model_props(proto, meta)
        tmp = osp.join(work, 'final.onnx')
        onnx.save_model(proto, tmp)
        os.replace(tmp, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return floats
