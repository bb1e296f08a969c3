"""Fast inference of the video branch: frame chunks, channels_last, autocast.

:class:`KGARecognizer` reads four keys of its ``test_cfg`` once, when it is
set (:class:`FastInferenceCfg`), and follows them whenever it runs in test
mode (``predict``, ``mode='tensor'``); the first two are named as MMAction2
and mmengine name the same settings::

    test_cfg = dict(
        max_testing_views=32,   # None: every frame in one backbone call
        fp16=True,              # autocast the backbone
        channels_last=True,     # NHWC frames and backbone weights
        compile=False)          # torch.compile a frozen snapshot

* ``max_testing_views`` is ``Recognizer2D``'s key: the views (here frames)
  that go through the backbone at a time, so that the backbone's
  activations never hold more than that many frames: a 128-frame video at
  224x224 needs the memory of a ``max_testing_views``-frame one, plus its
  normalised input (``T x 3 x H x W`` floats, 77 MB at 128 frames) and
  ``T x C'`` features. The per-frame features do not depend on the chunking
  (in eval mode every frame is embedded on its own), so chunked and
  unchunked fp32 results are equal.
* ``fp16`` autocasts the backbone as mmengine's ``TestLoop(fp16=True)``
  autocasts a test step, in the dtype mmengine's autocast takes on the
  frames' device (:func:`~kga_mmaction.utils.device.autocast_dtype`:
  bfloat16 on a CPU, float16 on CUDA); the head is not autocast. A device
  without native instructions for that dtype (a CPU without AVX512-BF16,
  AMX-BF16 or Arm BF16) raises ``ValueError`` (see :func:`check_fp16`):
  autocast would run emulated there and be slower than fp32.
* ``channels_last`` converts the backbone's weights to
  ``torch.channels_last`` in place, once, on the first test-mode forward,
  and every chunk of frames as it enters the backbone. The weights stay
  converted afterwards; training on them computes the same function.
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

The frame-attention head computes in float32 whatever dtype the features
arrive in (see :class:`FrameAttentionHead`).

:mod:`.inference_flags` turns the ``--fast`` / ``--compile`` /
``--frame-chunk-size`` flags of ``tools/test.py`` and ``tools/infer.py``
into such a ``test_cfg``.
"""
import contextlib
import copy
import itertools
import weakref
from dataclasses import dataclass
from typing import Callable, ContextManager, Optional, Tuple

import torch
import torch.nn as nn

from ...utils.device import (Device, autocast_dtype, best_autocast_dtype,
                             cpu_name)


@dataclass(frozen=True)
class FastInferenceCfg:
    """The fast-inference keys of a :class:`KGARecognizer` ``test_cfg``.

    Args:
        max_testing_views (int, optional): Most frames per backbone call.
            Defaults to None (all frames at once).
        fp16 (bool): Autocast the backbone in the device's autocast dtype.
            Defaults to False (float32).
        channels_last (bool): Run the backbone in ``torch.channels_last``.
            Defaults to False.
        compile (bool): Embed with a compiled, frozen snapshot of the
            recognizer. Defaults to False.
    """
    max_testing_views: Optional[int] = None
    fp16: bool = False
    channels_last: bool = False
    compile: bool = False

    def __post_init__(self) -> None:
        views = self.max_testing_views
        if views is not None and (isinstance(views, bool)
                                  or not isinstance(views, int) or views < 1):
            raise ValueError('test_cfg.max_testing_views must be a positive '
                             f'int or None, got {views!r}')
        for key in ('fp16', 'channels_last', 'compile'):
            if not isinstance(getattr(self, key), bool):
                raise ValueError(f'test_cfg.{key} must be True or False, '
                                 f'got {getattr(self, key)!r}')

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
                f'{sorted(cls.__dataclass_fields__)}')
        return cls(**test_cfg)


def check_fp16(device: Device) -> None:
    """Refuse ``fp16`` where ``device`` has no native autocast dtype.

    Raises:
        ValueError: Naming the device, the dtype and what to use instead.
    """
    if best_autocast_dtype(device) is not None:
        return
    device = torch.device(device)
    if device.type == 'cpu':
        dtype = autocast_dtype(device)
        raise ValueError(
            f'test_cfg.fp16=True autocasts in {dtype} on a CPU, which needs '
            f'native {dtype} instructions; this one ({cpu_name()}) lacks '
            'them: it would run emulated, slower than float32. Set '
            'test_cfg.fp16=False (or use --fast, which picks what the '
            'machine supports).')
    raise ValueError(f'autocast is only supported on cpu and cuda, not on '
                     f'{device.type}; set test_cfg.fp16=False')


def inference_context(device: Device, fp16: bool = False) -> ContextManager:
    """Autocast context for the backbone on ``device``.

    Args:
        device (str | torch.device): Where the frames are.
        fp16 (bool): Autocast in :func:`autocast_dtype` of ``device``; False
            gives a no-op context. Defaults to False.

    Returns:
        A context manager.

    Raises:
        ValueError: If ``device`` has no native support for its autocast
            dtype (:func:`check_fp16`).
    """
    if not fp16:
        return contextlib.nullcontext()
    check_fp16(device)
    return torch.autocast(device_type=torch.device(device).type,
                          dtype=getattr(torch, autocast_dtype(device)))


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


def embed_for_inference(model: nn.Module, frames: torch.Tensor,
                        cfg: FastInferenceCfg) -> torch.Tensor:
    """Embed frames as ``cfg`` asks (see the module docstring).

    Args:
        model (nn.Module): A :class:`KGARecognizer` (``embed``,
            ``backbone``).
        frames (torch.Tensor): ``[M, C, H, W]``, normalised float32.
        cfg (FastInferenceCfg): The recognizer's ``inference_cfg``.

    Returns:
        torch.Tensor: ``[M, C']``, in the backbone's output dtype (half
        precision under ``fp16``).

    Raises:
        ValueError: On ``fp16`` on a device without native support for its
            autocast dtype.
    """
    if cfg.channels_last:
        to_channels_last(model.backbone)
    embed, compiling = model.embed, contextlib.nullcontext()
    if cfg.compile:
        embed, compiling = compiled_embed(model), frozen_compilation()
    with inference_context(frames.device, cfg.fp16), compiling:
        return embed_in_chunks(embed, frames, cfg.max_testing_views,
                               cfg.channels_last)
