"""Export the video branch of a KGA-Net to ONNX, checked against PyTorch.

The exported graph is :class:`~.graph.VideoInferenceGraph`: input
``frames`` ``[T, 3, H, W]`` uint8 (T from 1 to ``max_frames``), outputs
``logits`` ``[K]``, ``probabilities`` ``[K]`` and ``frame_weights`` ``[T]``.
Its metadata (:data:`METADATA_KEYS`) states the input, the normalisation
inside the graph, the classes and the tolerance it was checked to.

:func:`export_onnx` writes to a temporary file next to ``out``, runs it in
ONNX Runtime on random frames (``max_frames`` of them, and a few) and on
the real frames it is given, and moves it to ``out`` only when every output
matches PyTorch within the tolerances; otherwise it raises
:class:`ExportMismatchError` and ``out`` is left as it was.

onnx, onnxruntime and onnxscript (the ``deploy`` extra) are imported here,
inside the functions that use them, never by the core plugin.
"""
import json
import os
import os.path as osp
import tempfile
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

from .graph import INPUT_NAME, OUTPUT_NAMES, VideoInferenceGraph, \
    preprocessor_mean_std

#: Largest allowed difference in probability between ONNX Runtime and
#: PyTorch (fp32); logits and weights have their own in
#: :class:`ExportTolerance`.
PROBABILITY_TOLERANCE = 1e-4

METADATA_PREFIX = 'kga.'


def require_deploy_packages():
    """Import onnx and onnxruntime, or say how to install them.

    Raises:
        ImportError: Naming the ``deploy`` extra.
    """
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError as err:
        raise ImportError(
            f'{err.name} is missing: the ONNX export and the onnxruntime '
            "backend need the deploy extra: pip install -e '.[deploy]' "
            '(or pip install -r requirements/deploy.txt)') from err
    return onnx, onnxruntime


class ExportMismatchError(ValueError):
    """ONNX Runtime's outputs differ from PyTorch's beyond the tolerance."""


@dataclass(frozen=True)
class ExportTolerance:
    """Largest absolute differences accepted per output (fp32 export).

    Args:
        probabilities (float): Defaults to :data:`PROBABILITY_TOLERANCE`.
        logits (float): Defaults to 1e-3.
        frame_weights (float): Defaults to 1e-4.
    """
    probabilities: float = PROBABILITY_TOLERANCE
    logits: float = 1e-3
    frame_weights: float = 1e-4


@dataclass
class ExportCheck:
    """Max absolute difference per output on one set of frames."""
    name: str
    num_frames: int
    max_abs_diff: Dict[str, float] = field(default_factory=dict)

    def failures(self, tolerance: ExportTolerance) -> List[str]:
        return [f'{self.name} ({self.num_frames} frames): {key} differs by '
                f'{diff:.3g} > {getattr(tolerance, key):.3g}'
                for key, diff in self.max_abs_diff.items()
                if not diff <= getattr(tolerance, key)]


def graph_outputs(graph: nn.Module,
                  frames: np.ndarray) -> Tuple[np.ndarray, ...]:
    """PyTorch outputs of :class:`VideoInferenceGraph` on uint8 frames."""
    with torch.no_grad():
        return tuple(t.numpy() for t in graph(torch.from_numpy(frames)))


def compare_outputs(name: str, reference: Sequence[np.ndarray],
                    outputs: Sequence[np.ndarray]) -> ExportCheck:
    """:class:`ExportCheck` of ``outputs`` against ``reference`` (both in
    :data:`OUTPUT_NAMES` order)."""
    check = ExportCheck(name, int(reference[-1].shape[0]))
    for key, ref, out in zip(OUTPUT_NAMES, reference, outputs):
        check.max_abs_diff[key] = float(
            np.abs(np.asarray(ref, np.float64) - out).max())
    return check


def random_frames(num_frames: int, input_size: Tuple[int, int],
                  seed: int = 0) -> np.ndarray:
    """Uniform random uint8 frames ``[T, 3, H, W]``."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (num_frames, 3) + tuple(input_size),
                        dtype=np.uint8)


def export_metadata(model: nn.Module, input_size: Tuple[int, int],
                    max_frames: int, classes: Sequence[str],
                    positive: int, extra: Optional[dict] = None
                    ) -> Dict[str, str]:
    """The ``metadata_props`` of an exported model (values JSON)."""
    mean, std = preprocessor_mean_std(model)
    height, width = input_size
    meta = dict(
        input=(f'{INPUT_NAME}: uint8 [T, 3, {height}, {width}], T in [1, '
               f'{max_frames}]: raw pixel values 0-255 of the sampled '
               'frames after the test pipeline resize, RGB, NOT normalised'),
        normalisation=dict(inside_graph=True, mean=mean, std=std,
                           formula='(frames - mean) / std per channel'),
        input_size=[height, width],
        max_frames=max_frames,
        outputs=list(OUTPUT_NAMES),
        classes=list(classes),
        positive_index=positive,
        aggregation=getattr(model.cls_head, 'aggregation', None))
    meta.update(extra or {})
    return {METADATA_PREFIX + k: json.dumps(v) for k, v in meta.items()}


def read_metadata(onnx_model) -> dict:
    """The ``kga.*`` metadata of an ONNX model proto or ORT session, with
    JSON values decoded."""
    if hasattr(onnx_model, 'get_modelmeta'):
        props = onnx_model.get_modelmeta().custom_metadata_map
    else:
        props = {p.key: p.value for p in onnx_model.metadata_props}
    return {k[len(METADATA_PREFIX):]: json.loads(v)
            for k, v in props.items() if k.startswith(METADATA_PREFIX)}


def _ort_session(path: str):
    _, ort = require_deploy_packages()
    options = ort.SessionOptions()
    return ort.InferenceSession(path, options,
                                providers=['CPUExecutionProvider'])


def check_against_pytorch(path: str, graph: nn.Module,
                          frame_sets: Dict[str, np.ndarray]
                          ) -> List[ExportCheck]:
    """Run the ONNX file and ``graph`` on each set of uint8 frames."""
    session = _ort_session(path)
    checks = []
    for name, frames in frame_sets.items():
        outputs = session.run(list(OUTPUT_NAMES), {INPUT_NAME: frames})
        checks.append(compare_outputs(name, graph_outputs(graph, frames),
                                      outputs))
    return checks


def _chmod_as_umask(path: str) -> None:
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def export_onnx(model: nn.Module,
                out: str,
                input_size: Tuple[int, int],
                classes: Sequence[str],
                positive: int,
                real_frames: Optional[Dict[str, np.ndarray]] = None,
                max_frames: int = 128,
                tolerance: ExportTolerance = ExportTolerance(),
                opset: int = 18,
                extra_metadata: Optional[dict] = None
                ) -> List[ExportCheck]:
    """Export, check against PyTorch, and write ``out`` atomically.

    Args:
        model (nn.Module): A :class:`KGARecognizer` (moved to the CPU and
            eval mode).
        out (str): The ``.onnx`` file to write.
        input_size (tuple[int, int]): ``(H, W)`` of the model input.
        classes (Sequence[str]): Class names, in score order.
        positive (int): Index of the positive (malignant) class.
        real_frames (dict, optional): Name -> uint8 ``[T, 3, H, W]`` frames
            of real videos to check on, besides random ones.
        max_frames (int): Most frames per video. Defaults to 128.
        tolerance (ExportTolerance): Largest differences accepted.
        opset (int): ONNX opset. Defaults to 18.
        extra_metadata (dict, optional): More metadata (JSON-able).

    Returns:
        list[ExportCheck]: The differences found (all within tolerance).

    Raises:
        ExportMismatchError: If any output differs beyond ``tolerance``;
            ``out`` is then not written.
    """
    onnx, _ = require_deploy_packages()
    model = model.cpu().eval()
    graph = VideoInferenceGraph(model).eval()
    frame_sets = {
        f'random {max_frames}': random_frames(max_frames, input_size, 0),
        'random 3': random_frames(min(3, max_frames), input_size, 1)}
    for name, frames in (real_frames or {}).items():
        frame_sets[name] = np.ascontiguousarray(frames[:max_frames],
                                                dtype=np.uint8)
    out = osp.abspath(out)
    folder = osp.dirname(out)
    if not osp.isdir(folder):
        raise FileNotFoundError(f'output folder does not exist: {folder}')
    fd, tmp = tempfile.mkstemp(prefix='.' + osp.basename(out) + '.',
                               suffix='.tmp', dir=folder)
    os.close(fd)
    try:
        num_frames = torch.export.Dim('num_frames', min=1, max=max_frames)
        example = torch.from_numpy(random_frames(2, input_size, 2))
        program = torch.onnx.export(
            graph, (example, ), dynamo=True, opset_version=opset,
            input_names=[INPUT_NAME], output_names=list(OUTPUT_NAMES),
            dynamic_shapes={'frames': {0: num_frames}}, verbose=False)
        proto = program.model_proto
        meta = export_metadata(model, input_size, max_frames, classes,
                               positive, extra_metadata)
        onnx.helper.set_model_props(proto, meta)
        onnx.save_model(proto, tmp)
        checks = check_against_pytorch(tmp, graph, frame_sets)
        failures = [f for c in checks for f in c.failures(tolerance)]
        if failures:
            raise ExportMismatchError(
                f'not writing {out}: ONNX Runtime differs from PyTorch: ' +
                '; '.join(failures))
        worst = {key: max(c.max_abs_diff[key] for c in checks)
                 for key in OUTPUT_NAMES}
        meta = dict(meta, **{
            METADATA_PREFIX + 'export_check': json.dumps(dict(
                tolerance=tolerance.__dict__, max_abs_diff=worst,
                frame_sets=[f'{c.name} ({c.num_frames} frames)'
                            for c in checks]))})
        onnx.helper.set_model_props(proto, meta)
        onnx.save_model(proto, tmp)
        _chmod_as_umask(tmp)  # mkstemp made it private
        os.replace(tmp, out)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return checks
