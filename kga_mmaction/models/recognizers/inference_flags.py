"""``--fast``, ``--frame-chunk-size`` and ``--compile`` as a test_cfg.

The flags of ``tools/test.py`` and ``tools/infer.py`` become the
fast-inference keys of a :class:`KGARecognizer` ``test_cfg`` (see
:mod:`.fast_inference`): ``--fast`` sets ``channels_last``, ``fp16`` where
the device computes its autocast dtype natively, and
``max_testing_views`` frames per backbone call; ``--frame-chunk-size``
sets ``max_testing_views`` alone; ``--compile`` sets ``compile``.
"""
from typing import Optional

import torch
from mmaction.registry import MODELS
from mmengine.config import Config

from ...utils.device import Device, best_autocast_dtype
from .kga_recognizer import KGARecognizer

#: Frames per backbone call that ``--fast`` sets, by device type: on a CPU
#: a chunk's activations should stay in cache (tools/benchmark.py, 128
#: frames at 224x224 through the ResNet-50 in bf16 on a 2-core EPYC: 4.44 s
#: with chunks of 32, 3.36 s with chunks of 8); a GPU wants large batches.
FAST_FRAME_CHUNK_SIZES = dict(cpu=8, cuda=32)


def fast_frame_chunk_size(device: Device) -> int:
    """The frames per backbone call that ``--fast`` uses on ``device``
    (:data:`FAST_FRAME_CHUNK_SIZES`; 32 on other device types)."""
    return FAST_FRAME_CHUNK_SIZES.get(torch.device(device).type, 32)


def inference_test_cfg(device: Device,
                       fast: bool = False,
                       frame_chunk_size: Optional[int] = None,
                       base: Optional[dict] = None,
                       compile: bool = False) -> dict:
    """The ``test_cfg`` that ``--fast`` / ``--frame-chunk-size`` /
    ``--compile`` ask for.

    Args:
        device (str | torch.device): Where the model will run.
        fast (bool): channels_last, ``fp16`` where ``device`` computes its
            autocast dtype natively (:func:`best_autocast_dtype`) and
            chunks of :func:`fast_frame_chunk_size` frames.
        frame_chunk_size (int, optional): Frames per backbone call, the
            ``max_testing_views`` key (overrides ``fast``'s).
        base (dict, optional): The config's ``model.test_cfg``; its other
            keys are kept.
        compile (bool): Embed with a compiled, frozen snapshot (see
            :mod:`.fast_inference`).

    Returns:
        dict: The ``test_cfg``; the recognizer checks it when it is built
        with it (or it is assigned).
    """
    test_cfg = dict(base or {})
    if fast:
        test_cfg.update(channels_last=True,
                        fp16=best_autocast_dtype(device) is not None,
                        max_testing_views=fast_frame_chunk_size(device))
    if frame_chunk_size is not None:
        test_cfg['max_testing_views'] = frame_chunk_size
    if compile:
        test_cfg['compile'] = True
    return test_cfg


def set_inference_test_cfg(cfg: Config,
                           device: Device,
                           fast: bool = False,
                           frame_chunk_size: Optional[int] = None,
                           compile: bool = False) -> None:
    """Merge ``--fast`` / ``--frame-chunk-size`` / ``--compile`` into
    ``cfg.model.test_cfg``.

    Nothing changes when neither is given.

    Args:
        cfg (Config): A full config whose model is a :class:`KGARecognizer`.
        device (str | torch.device): Where the model will run.
        fast (bool): See :func:`inference_test_cfg`.
        frame_chunk_size (int, optional): See :func:`inference_test_cfg`.
        compile (bool): See :func:`inference_test_cfg`.

    Raises:
        ValueError: If the model is not a :class:`KGARecognizer` (other
            recognizers ignore these keys).
    """
    if not fast and frame_chunk_size is None and not compile:
        return
    model_type = cfg.model.get('type')
    if isinstance(model_type, str):
        model_type = MODELS.get(model_type)
    if not (isinstance(model_type, type)
            and issubclass(model_type, KGARecognizer)):
        raise ValueError('--fast, --compile and --frame-chunk-size apply to '
                         'a KGARecognizer; this config builds '
                         f'{cfg.model.get("type")}')
    cfg.model.test_cfg = inference_test_cfg(device, fast, frame_chunk_size,
                                            cfg.model.get('test_cfg'),
                                            compile)
