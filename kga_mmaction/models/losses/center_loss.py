"""Center loss (Wen et al., ECCV 2016) and distances to class centers."""
import torch
import torch.nn as nn
from mmaction.registry import MODELS


def center_distances(features: torch.Tensor,
                     centers: torch.Tensor,
                     squared: bool = False) -> torch.Tensor:
    """Distances of features to every class center (KGA-Net eq. 2).

    ``d_{i,k} = ||F_i - C^k||_2`` (or its square).

    Args:
        features (torch.Tensor): Features, shape ``[..., C]``.
        centers (torch.Tensor): Class centers, shape ``[K, C]``.
        squared (bool): Return squared distances. Defaults to False.

    Returns:
        torch.Tensor: Shape ``[..., K]``.
    """
    # [..., 1, C] - [K, C] -> [..., K]
    sq_dist = ((features.unsqueeze(-2) - centers)**2).sum(dim=-1)
    if squared:
        return sq_dist
    positive = sq_dist > 0
    # sqrt with a zero (not NaN) gradient where a feature sits on a center
    return torch.where(positive,
                       torch.sqrt(torch.where(positive, sq_dist, 1.)), 0.)


@MODELS.register_module()
class CenterLoss(nn.Module):
    """Center loss with learnable class centers (Wen et al., 2016, eq. 2).

    ``L_C = 1/2 * mean_i ||x_i - c_{y_i}||_2^2`` over the batch, as in Wen et
    al.'s implementation (the KGA-Net release averages without the 1/2; use
    ``loss_weight=2`` to match it). The centers are ordinary parameters
    trained by the optimizer, so they stay identical across DDP ranks.

    Args:
        num_classes (int): Number of classes ``K``.
        feat_dim (int): Feature dimension ``C``.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self, num_classes: int, feat_dim: int,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.feat_dim = feat_dim
        self.loss_weight = loss_weight
        self.centers = nn.Parameter(torch.randn(num_classes, feat_dim))

    def forward(self, features: torch.Tensor,
                labels: torch.Tensor) -> torch.Tensor:
        """Compute the weighted center loss.

        Args:
            features (torch.Tensor): Features, shape ``[B, C]``.
            labels (torch.Tensor): Class indices, shape ``[B]``.

        Returns:
            torch.Tensor: Scalar loss (0 for an empty batch).
        """
        if features.dim() != 2 or features.shape[1] != self.feat_dim:
            raise ValueError(f'CenterLoss expects features [B, '
                             f'{self.feat_dim}], got {tuple(features.shape)}')
        if features.shape[0] == 0:
            # keep the centers in the graph so DDP sees their gradient
            return (features.sum() + self.centers.sum()) * 0.
        diff = features - self.centers[labels]  # [B, C]
        return self.loss_weight * 0.5 * (diff * diff).sum(dim=1).mean()
