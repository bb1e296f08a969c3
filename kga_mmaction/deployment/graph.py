"""The inference graph of one video, as it is exported to ONNX.

Plain PyTorch (no onnx import): :class:`VideoInferenceGraph` wraps a
:class:`~kga_mmaction.models.KGARecognizer` so that one call takes the
frames of one video as the test pipeline leaves them (``[T, 3, H, W]``
uint8 pixel values, 0-255, after the resize) and returns what the video
branch predicts. The data preprocessor's mean and std are applied inside,
so the exported model cannot be fed normalised frames by mistake: its input
is uint8.
"""
from typing import Dict, Sequence, Tuple

import torch
import torch.nn as nn

#: Names of the graph's input and outputs, in order.
INPUT_NAME = 'frames'
OUTPUT_NAMES = ('logits', 'probabilities', 'frame_weights')


def preprocessor_mean_std(
        model: nn.Module) -> Tuple[Sequence[float], Sequence[float]]:
    """The ``mean`` and ``std`` of the recognizer's data preprocessor,
    per channel (``[C]`` each); ``(0, 1)`` where it has none."""
    pre = model.data_preprocessor
    mean = getattr(pre, 'mean', None)
    std = getattr(pre, 'std', None)
    mean = [0.0, 0.0, 0.0] if mean is None else mean.flatten().tolist()
    std = [1.0, 1.0, 1.0] if std is None else std.flatten().tolist()
    return mean, std


class VideoInferenceGraph(nn.Module):
    """Normalise, embed, attend and classify the frames of one video.

    Args:
        model (nn.Module): A :class:`KGARecognizer` in eval mode.

    Forward:
        frames: ``[T, 3, H, W]``, any dtype, raw pixel values (0-255, in
        the channel order of the test pipeline).

    Returns:
        tuple: ``logits`` ``[K]``, ``probabilities`` ``[K]`` (softmax) and
        ``frame_weights`` ``[T]`` (the attention of every frame).
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model
        mean, std = preprocessor_mean_std(model)
        # [C] -> [1, C, 1, 1]
        self.register_buffer('mean', torch.tensor(mean).view(1, -1, 1, 1))
        self.register_buffer('std', torch.tensor(std).view(1, -1, 1, 1))

    def forward(self, frames: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = (frames.float() - self.mean) / self.std  # [T, 3, H, W]
        feats = self.model.embed(x)  # [T, C']
        head = self.model.cls_head
        # [T, C'] -> [1, T, C']; one video, every frame real
        feats = feats.float().unsqueeze(0)
        outs: Dict[str, torch.Tensor] = head(
            feats, feats.new_ones(feats.shape[:2]))
        logits = outs['video_scores'][0]  # [1, K] -> [K]
        return logits, logits.softmax(-1), outs['weights'][0]
