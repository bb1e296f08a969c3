"""Fast inference of the video branch: frame chunks, channels_last, autocast.

:class:`KGARecognizer` reads three keys of its ``test_cfg`` whenever it runs
in test mode (``predict``, ``mode='tensor'``)::

    test_cfg = dict(
        frame_chunk_size=32,          # None: every frame in one backbone call
        channels_last=True,           # NHWC frames and backbone weights
        autocast_dtype='bfloat16',    # None | 'bfloat16' | 'float16'
        compile=False)                # torch.compile a frozen snapshot

* ``frame_chunk_size`` streams the ``N * T`` frames through the backbone
  ``frame_chunk_size`` at a time, so the backbone's activations never hold
  more than that many frames: a 128-frame video at 224x224 needs the memory
  of a ``frame_chunk_size``-frame one, plus its normalised input
  (``T x 3 x H x W`` floats, 77 MB at 128 frames) and ``T x C'`` features.
  The per-frame features do not depend on the chunking (in eval mode every
  frame is embedded on its own), so chunked and unchunked fp32 results are
  equal.
* ``channels_last`` converts the backbone's weights to
  ``torch.channels_last`` in place, once, on the first test-mode forward,
  and every chunk of frames as it enters the backbone. The weights stay
  converted afterwards; training on them computes the same function.
* ``autocast_dtype`` runs the backbone under :func:`torch.autocast` on the
  frames' device: ``'bfloat16'`` on CPUs with native bf16 instructions
  (AVX512-BF16, AMX-BF16, Arm BF16) and on CUDA GPUs that support it,
  ``'float16'`` on CUDA (and CPUs with AVX512-FP16/AMX-FP16). Other
  combinations raise ``ValueError`` (see :func:`check_autocast_dtype`):
  autocast would run emulated there and be slower than fp32.

* ``compile`` embeds the frames with :func:`torch.compile` (inductor,
  dynamic frame counts, ``freezing``: BatchNorm folded into the
  convolutions, weights constant-folded and prepacked for oneDNN) applied
  to a snapshot of the recognizer taken at the first test-mode forward.
  The first call compiles (tens of seconds on a small CPU, and a C++
  compiler must be installed); later calls of any frame count reuse it.
  When the backbone's weights change (an optimizer step, loading a
  checkpoint), the next call takes a new snapshot and compiles again, so
  a frozen copy never answers for weights it did not see. Worth it for a
  test set or a server, not for one video.

The features are cast back to float32 after the backbone, so the
frame-attention head (and the class centers) always compute in float32.

:func:`inference_test_cfg` turns the ``--fast`` / ``--compile`` /
``--frame-chunk-size`` flags of ``tools/test.py`` and ``tools/infer.py``
into such a ``test_cfg``.
"""
import contextlib
import copy
import itertools
import weakref
from dataclasses import asdict, dataclass
from typing import Callable, ContextManager, Optional, Tuple, Union

import torch
import torch.nn as nn

#: ``autocast_dtype`` values and the torch dtypes they name.
AUTOCAST_DTYPES = {'bfloat16': torch.bfloat16, 'float16': torch.float16}
#: Frames per backbone call that ``--fast`` sets, by device type: on a CPU
#: a chunk's activations should stay in cache (tools/benchmark.py, 128
#: frames at 224x224 through the ResNet-50 in bf16 on a 2-core EPYC: 4.44 s
#: with chunks of 32, 3.36 s with chunks of 8); a GPU wants large batches.
FAST_FRAME_CHUNK_SIZES = dict(cpu=8, cuda=32)

Device = Union[str, torch.device]


@dataclass(frozen=True)
class FastInferenceCfg:
    """The fast-inference keys of a :class:`KGARecognizer` ``test_cfg``.

    Args:
        frame_chunk_size (int, optional): Most frames per backbone call.
            Defaults to None (all frames at once).
        channels_last (bool): Run the backbone in ``torch.channels_last``.
            Defaults to False.
        autocast_dtype (str, optional): ``'bfloat16'`` or ``'float16'``
            autocast of the backbone. Defaults to None (float32).
        compile (bool): Embed with a compiled, frozen snapshot of the
            recognizer. Defaults to False.
    """
    frame_chunk_size: Optional[int] = None
    channels_last: bool = False
    autocast_dtype: Optional[str] = None
    compile: bool = False

    def __post_init__(self) -> None:
        size = self.frame_chunk_size
        if size is not None and (isinstance(size, bool)
                                 or not isinstance(size, int) or size < 1):
            raise ValueError('test_cfg.frame_chunk_size must be a positive '
                             f'int or None, got {size!r}')
        for key in ('channels_last', 'compile'):
            if not isinstance(getattr(self, key), bool):
                raise ValueError(f'test_cfg.{key} must be True or False, '
                                 f'got {getattr(self, key)!r}')
        if (self.autocast_dtype is not None
                and self.autocast_dtype not in AUTOCAST_DTYPES):
            raise ValueError(
                f'test_cfg.autocast_dtype must be None or one of '
                f'{list(AUTOCAST_DTYPES)}, got {self.autocast_dtype!r}')

    @classmethod
    def from_test_cfg(cls, test_cfg: Optional[dict]) -> 'FastInferenceCfg':
        """Read (and check) the keys of a recognizer's ``test_cfg``.

        Raises:
            ValueError: On a key this recognizer does not know (a typo would
                otherwise silently turn the option off) or a bad value.
        """
        test_cfg = dict(test_cfg or {})
        unknown = sorted(set(test_cfg) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(
                f'Unknown KGARecognizer test_cfg keys {unknown}; known: '
                f'{sorted(cls.__dataclass_fields__)} (frame_chunk_size '
                "plays the role of Recognizer2D's max_testing_views)")
        return cls(**test_cfg)

    def to_dict(self) -> dict:
        """As a ``test_cfg`` dict."""
        return asdict(self)


# ---------------------------------------------------------------------------
# Hardware support
# ---------------------------------------------------------------------------
def _cpu_capabilities() -> dict:
    get = getattr(torch.cpu, 'get_capabilities', None)  # torch >= 2.8
    if get is not None:
        return dict(get())
    caps = {}
    for key, probe in (('avx512_bf16', '_is_avx512_bf16_supported'),
                       ('amx_bf16', '_is_amx_tile_supported'),
                       ('amx_fp16', '_is_amx_fp16_supported')):
        fn = getattr(torch.cpu, probe, None)
        caps[key] = bool(fn()) if fn is not None else False
    return caps


def cpu_supports_bf16() -> bool:
    """Whether this CPU has native bf16 arithmetic for oneDNN kernels.

    True with AVX512-BF16 or AMX-BF16 (x86) or the BF16/SVE-BF16 extension
    (Arm), as ``torch.cpu.get_capabilities()`` reports them (older torch:
    ``torch.cpu._is_avx512_bf16_supported``), and oneDNN available. oneDNN
    also runs bf16 on plain AVX-512 by emulation, which is slower than
    fp32; that does not count.
    """
    if not torch.backends.mkldnn.is_available():
        return False
    caps = _cpu_capabilities()
    return any(
        bool(caps.get(key))
        for key in ('avx512_bf16', 'amx_bf16', 'bf16', 'sve_bf16'))


def cpu_supports_fp16() -> bool:
    """Whether this CPU has native fp16 arithmetic (AVX512-FP16, AMX-FP16,
    Arm FP16)."""
    if not torch.backends.mkldnn.is_available():
        return False
    caps = _cpu_capabilities()
    return any(
        bool(caps.get(key))
        for key in ('avx512_fp16', 'amx_fp16', 'fp16_arith'))


def autocast_supported(device: Device, dtype: str) -> bool:
    """Whether ``dtype`` autocast runs natively on ``device``."""
    device = torch.device(device)
    if dtype not in AUTOCAST_DTYPES:
        raise ValueError(f'autocast dtype must be one of '
                         f'{list(AUTOCAST_DTYPES)}, got {dtype!r}')
    if device.type == 'cuda':
        return dtype == 'float16' or torch.cuda.is_bf16_supported()
    if device.type == 'cpu':
        return (cpu_supports_bf16()
                if dtype == 'bfloat16' else cpu_supports_fp16())
    return False


def check_autocast_dtype(device: Device, dtype: Optional[str]) -> None:
    """Refuse an autocast dtype that ``device`` has no native support for.

    Raises:
        ValueError: Naming the device, the dtype and what to use instead.
    """
    if dtype is None or autocast_supported(device, dtype):
        return
    device = torch.device(device)
    if device.type == 'cpu':
        raise ValueError(
            f"autocast_dtype={dtype!r} needs a CPU with native {dtype} "
            f"instructions, which this one ({_cpu_name()}) lacks: it would "
            'run emulated, slower than float32. Set '
            'test_cfg.autocast_dtype=None (or use --fast, which picks '
            'what the machine supports).')
    if device.type == 'cuda':
        raise ValueError(
            f"autocast_dtype={dtype!r} is not supported by "
            f"{torch.cuda.get_device_name(device)}; use 'float16'.")
    raise ValueError(f'autocast is only supported on cpu and cuda, not on '
                     f'{device.type}; set test_cfg.autocast_dtype=None')


def _cpu_name() -> str:
    return str(_cpu_capabilities().get('cpu_name', 'unknown CPU'))


def fast_frame_chunk_size(device: Device) -> int:
    """The frames per backbone call that ``--fast`` uses on ``device``
    (:data:`FAST_FRAME_CHUNK_SIZES`; 32 on other device types)."""
    return FAST_FRAME_CHUNK_SIZES.get(torch.device(device).type, 32)


def best_autocast_dtype(device: Device) -> Optional[str]:
    """The autocast dtype ``--fast`` uses on ``device``.

    ``'float16'`` on CUDA (tensor cores on every GPU, and three more
    mantissa bits than bf16), ``'bfloat16'`` on a CPU with native bf16,
    else None (float32).
    """
    device = torch.device(device)
    if device.type == 'cuda':
        return 'float16'
    if device.type == 'cpu' and cpu_supports_bf16():
        return 'bfloat16'
    return None


# ---------------------------------------------------------------------------
# The pieces the recognizer calls
# ---------------------------------------------------------------------------
def inference_context(device: Device,
                      dtype: Optional[str] = None) -> ContextManager:
    """Autocast context for the backbone on ``device``.

    Args:
        device (str | torch.device): Where the frames are.
        dtype (str, optional): ``'bfloat16'``, ``'float16'`` or None (a
            no-op context).

    Returns:
        A context manager.

    Raises:
        ValueError: If ``device`` has no native support for ``dtype``
            (:func:`check_autocast_dtype`).
    """
    if dtype is None:
        return contextlib.nullcontext()
    check_autocast_dtype(device, dtype)
    return torch.autocast(
        device_type=torch.device(device).type, dtype=AUTOCAST_DTYPES[dtype])


def embed_in_chunks(embed_fn: Callable[[torch.Tensor], torch.Tensor],
                    frames: torch.Tensor,
                    chunk_size: Optional[int] = None,
                    channels_last: bool = False) -> torch.Tensor:
    """Embed frames ``chunk_size`` at a time.

    Args:
        embed_fn (Callable): ``[M, C, H, W] -> [M, C']``, e.g.
            :meth:`KGARecognizer.embed`.
        frames (torch.Tensor): ``[M, C, H, W]``.
        chunk_size (int, optional): Most frames per call. Defaults to None
            (one call).
        channels_last (bool): Hand each chunk over in
            ``torch.channels_last`` (one copy per chunk, not of the whole
            video). Defaults to False.

    Returns:
        torch.Tensor: ``[M, C']``, in the dtype ``embed_fn`` returns.
    """
    if chunk_size is not None and chunk_size < 1:
        raise ValueError(f'chunk_size must be >= 1, got {chunk_size}')
    num_frames = frames.shape[0]
    step = num_frames if chunk_size is None else min(chunk_size, num_frames)
    feats = []
    for start in range(0, num_frames, max(step, 1)):
        chunk = frames[start:start + step]  # [<= chunk_size, C, H, W], view
        if channels_last:
            chunk = chunk.contiguous(memory_format=torch.channels_last)
        feats.append(embed_fn(chunk))  # [<= chunk_size, C']
    if len(feats) != 1:  # several chunks, or no frame at all
        return torch.cat(feats) if feats else embed_fn(frames)
    return feats[0]


def to_channels_last(module: nn.Module) -> nn.Module:
    """Convert ``module``'s 4-D weights to ``torch.channels_last`` in place,
    unless they already are (so calling it every forward costs nothing)."""
    weights = [p for p in module.parameters() if p.dim() == 4]
    if not all(
            p.is_contiguous(memory_format=torch.channels_last)
            for p in weights):
        module.to(memory_format=torch.channels_last)
    return module


#: recognizer -> (fingerprint of its backbone's weights, compiled embed of
#: a snapshot); weak keys, so that a deleted model frees its snapshot.
_COMPILED: 'weakref.WeakKeyDictionary[nn.Module, Tuple[tuple, Callable]]' = (
    weakref.WeakKeyDictionary())


def weights_fingerprint(module: nn.Module) -> tuple:
    """Identity and version counter of every parameter and buffer: changes
    with any in-place update (optimizer step, ``load_state_dict``)."""
    return tuple((id(t), 0 if t.is_inference() else t._version)
                 for t in itertools.chain(module.parameters(),
                                          module.buffers()))


def compiled_embed(model: nn.Module) -> Callable[[torch.Tensor],
                                                 torch.Tensor]:
    """``model.embed`` compiled on a frozen snapshot of ``model``.

    The snapshot (a deep copy) is taken, and compiled lazily on its first
    call, whenever the backbone's weights differ from the last snapshot's;
    otherwise the cached one is returned. Call the result under
    :func:`frozen_compilation`, which enables inductor's ``freezing``.
    """
    fingerprint = weights_fingerprint(model.backbone)
    cached = _COMPILED.get(model)
    if cached is None or cached[0] != fingerprint:
        snapshot = copy.deepcopy(model)
        cached = (fingerprint, torch.compile(snapshot.embed, dynamic=True))
        _COMPILED[model] = cached
    return cached[1]


def frozen_compilation() -> ContextManager:
    """Inductor's ``freezing`` for the compilations that happen inside (it
    is read when a call compiles, not when :func:`torch.compile` wraps)."""
    from torch._inductor import config as inductor_config
    return inductor_config.patch(freezing=True)


def embed_for_inference(model: nn.Module,
                        frames: torch.Tensor) -> torch.Tensor:
    """Embed frames as ``model.test_cfg`` asks (see the module docstring).

    Args:
        model (nn.Module): A :class:`KGARecognizer` (``embed``,
            ``backbone``, ``test_cfg``).
        frames (torch.Tensor): ``[M, C, H, W]``, normalised float32.

    Returns:
        torch.Tensor: ``[M, C']`` float32 features.

    Raises:
        ValueError: On a bad ``test_cfg`` or an autocast dtype the device
            does not support natively.
    """
    cfg = FastInferenceCfg.from_test_cfg(model.test_cfg)
    if cfg.channels_last:
        to_channels_last(model.backbone)
    embed, compiling = model.embed, contextlib.nullcontext()
    if cfg.compile:
        embed, compiling = compiled_embed(model), frozen_compilation()
    with inference_context(frames.device, cfg.autocast_dtype), compiling:
        feats = embed_in_chunks(embed, frames, cfg.frame_chunk_size,
                                cfg.channels_last)
    return feats.float()  # the head computes in float32


def inference_test_cfg(device: Device,
                       fast: bool = False,
                       frame_chunk_size: Optional[int] = None,
                       base: Optional[dict] = None,
                       compile: bool = False) -> dict:
    """The ``test_cfg`` that ``--fast`` / ``--frame-chunk-size`` /
    ``--compile`` ask for.

    Args:
        device (str | torch.device): Where the model will run.
        fast (bool): channels_last, the device's best autocast dtype
            (:func:`best_autocast_dtype`) and chunks of
            :func:`fast_frame_chunk_size` frames.
        frame_chunk_size (int, optional): Frames per backbone call
            (overrides ``fast``'s).
        base (dict, optional): The config's ``model.test_cfg``; its other
            keys are kept.
        compile (bool): Embed with a compiled, frozen snapshot (see the
            module docstring).

    Returns:
        dict: A checked ``test_cfg``.
    """
    test_cfg = dict(base or {})
    if fast:
        test_cfg.update(channels_last=True,
                        autocast_dtype=best_autocast_dtype(device),
                        frame_chunk_size=fast_frame_chunk_size(device))
    if frame_chunk_size is not None:
        test_cfg['frame_chunk_size'] = frame_chunk_size
    if compile:
        test_cfg['compile'] = True
    FastInferenceCfg.from_test_cfg(test_cfg)
    return test_cfg


def set_inference_test_cfg(cfg,
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
            recognizers ignore these keys) or ``frame_chunk_size < 1``.
    """
    if not fast and frame_chunk_size is None and not compile:
        return
    from mmaction.registry import MODELS

    from .kga_recognizer import KGARecognizer
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
