"""Small helpers shared by the KGA-Net model components."""
import torch
from mmaction.utils import SampleList


def gt_labels(data_samples: SampleList, device: torch.device) -> torch.Tensor:
    """Stack each sample's ``gt_label`` into a ``[N]`` long tensor."""
    return torch.stack([s.gt_label for s in data_samples]).view(-1).to(
        device=device, dtype=torch.long)
