"""Small helpers shared by the KGA-Net model components."""
import torch
from mmaction.utils import SampleList


def gt_labels(data_samples: SampleList, device: torch.device) -> torch.Tensor:
    """Stack each sample's ``gt_label`` into a ``[N]`` long tensor."""
    return torch.stack([s.gt_label for s in data_samples]).view(-1).to(
        device=device, dtype=torch.long)


def full_precision(tensor: torch.Tensor) -> torch.Tensor:
    """``tensor`` in float32 if it is half precision (float16/bfloat16, as
    under mixed precision), else unchanged (float64 stays float64)."""
    if tensor.dtype in (torch.float16, torch.bfloat16):
        return tensor.float()
    return tensor
