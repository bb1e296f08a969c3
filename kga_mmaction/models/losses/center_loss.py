"""Center loss (Wen et al., ECCV 2016) and distances to class centers."""
from typing import Union

import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmengine.dist import all_reduce, is_distributed


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

    Two options keep the loss from dominating the first iterations, where
    centers drawn from ``N(0, 1)`` sit far from any feature (about 1,270
    for 2048-d sigmoid features; ``results/attention_collapse.md``):

    * ``init='features'``: at the first training forward each class center
      is set to the mean of that class's features in the batch (summed over
      all ranks under DDP, so the centers stay identical); a class absent
      from that batch keeps its random center.
    * ``warmup_iters``: the weight ramps up linearly, ``k / warmup_iters``
      times ``loss_weight`` at the ``k``-th training forward, then stays.

    Either adds a buffer ``num_updates`` (training forwards so far), so
    a checkpoint resumes them; without them the state dict is the usual
    one.

    Args:
        num_classes (int): Number of classes ``K``.
        feat_dim (int): Feature dimension ``C``.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        init (str): ``'randn'`` (centers from ``N(0, 1)``, the released
            code) or ``'features'`` (class means of the first training
            batch). Defaults to ``'randn'``.
        warmup_iters (int): Training forwards over which the weight ramps
            up from 0; 0 for none. Defaults to 0.
    """

    INITS = ('randn', 'features')

    def __init__(self, num_classes: int, feat_dim: int,
                 loss_weight: float = 1.0, init: str = 'randn',
                 warmup_iters: int = 0) -> None:
        super().__init__()
        if init not in self.INITS:
            raise ValueError(f'Unknown CenterLoss init {init!r}; choose one '
                             f'of {self.INITS}')
        if warmup_iters < 0:
            raise ValueError(f'CenterLoss warmup_iters must be >= 0, got '
                             f'{warmup_iters}')
        self.num_classes = num_classes
        self.feat_dim = feat_dim
        self.loss_weight = loss_weight
        self.init = init
        self.warmup_iters = warmup_iters
        self.centers = nn.Parameter(torch.randn(num_classes, feat_dim))
        # training forwards so far; only where an option needs it, so that
        # the state dict of the default loss is the released one
        self._centers_ready = False
        self.register_buffer(
            'num_updates',
            torch.zeros((), dtype=torch.long)
            if init != 'randn' or warmup_iters > 0 else None)

    @torch.no_grad()
    def init_centers_from(self, features: torch.Tensor,
                          labels: torch.Tensor) -> None:
        """Set each present class's center to its mean feature.

        Args:
            features (torch.Tensor): Features, shape ``[B, C]``.
            labels (torch.Tensor): Class indices, shape ``[B]``.
        """
        one_hot = nn.functional.one_hot(labels, self.num_classes).to(
            features.dtype)  # [B, K]
        sums = one_hot.t() @ features  # [K, B] x [B, C] -> [K, C]
        counts = one_hot.sum(dim=0)  # [K]
        if is_distributed():
            all_reduce(sums)
            all_reduce(counts)
        present = counts > 0
        self.centers[present] = (sums[present] /
                                 counts[present].unsqueeze(1)).to(
                                     self.centers.dtype)

    def current_weight(self) -> Union[float, torch.Tensor]:
        """``loss_weight`` times the warm-up factor ``min(k, W) / W`` after
        ``k`` training forwards (a tensor, so no device sync)."""
        if self.warmup_iters == 0:
            return self.loss_weight
        done = self.num_updates.clamp(max=self.warmup_iters)
        return self.loss_weight * done.float() / self.warmup_iters

    def forward(self, features: torch.Tensor,
                labels: torch.Tensor) -> torch.Tensor:
        """Compute the weighted center loss.

        In training mode this also counts the update (for ``warmup_iters``)
        and, with ``init='features'``, forms the centers at the first call.

        Args:
            features (torch.Tensor): Features, shape ``[B, C]``.
            labels (torch.Tensor): Class indices, shape ``[B]``.

        Returns:
            torch.Tensor: Scalar loss (0 for an empty batch).
        """
        if features.dim() != 2 or features.shape[1] != self.feat_dim:
            raise ValueError(f'CenterLoss expects features [B, '
                             f'{self.feat_dim}], got {tuple(features.shape)}')
        if self.training and self.num_updates is not None:
            # read the counter once per process (one sync): a resumed
            # checkpoint's centers are never re-initialised
            if self.init == 'features' and not self._centers_ready:
                if int(self.num_updates) == 0:
                    self.init_centers_from(features.detach(), labels)
                self._centers_ready = True
            self.num_updates += 1
        if features.shape[0] == 0:
            # keep the centers in the graph so DDP sees their gradient
            return (features.sum() + self.centers.sum()) * 0.
        diff = features - self.centers[labels]  # [B, C]
        return self.current_weight() * 0.5 * (diff * diff).sum(dim=1).mean()
