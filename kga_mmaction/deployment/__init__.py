"""Deployment: the ONNX export of the video branch, its int8 quantization
and the ONNX Runtime backend.

Importing this package imports neither onnx nor onnxruntime (the
``deploy`` extra); the functions that need them import them when called
and name the extra when they are missing.
"""
from .graph import (INPUT_NAME, OUTPUT_NAMES, VideoInferenceGraph,
                    preprocessor_mean_std)
from .onnx_export import (PROBABILITY_TOLERANCE, ExportCheck,
                          ExportMismatchError, ExportTolerance, export_onnx,
                          read_metadata, require_deploy_packages)
from .onnx_runtime import (OnnxVideoModel, as_model_frames, dataset_frames,
                           dataset_predictions, pack_frames,
                           predict_video_onnx)
from .quantization import QUANTIZED_OP_TYPES, float_operators, quantize_int8

__all__ = [
    'INPUT_NAME', 'OUTPUT_NAMES', 'VideoInferenceGraph',
    'preprocessor_mean_std', 'PROBABILITY_TOLERANCE', 'ExportCheck',
    'ExportMismatchError', 'ExportTolerance', 'export_onnx', 'read_metadata',
    'require_deploy_packages', 'OnnxVideoModel', 'as_model_frames',
    'dataset_frames', 'dataset_predictions', 'pack_frames',
    'predict_video_onnx', 'QUANTIZED_OP_TYPES', 'float_operators',
    'quantize_int8'
]
