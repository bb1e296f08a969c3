"""Coherence loss of KGA-Net (Sun et al., MICCAI 2023, section 3.2)."""
from typing import Optional

import torch
import torch.nn as nn
from mmaction.registry import MODELS


def _safe_sqrt(x: torch.Tensor) -> torch.Tensor:
    """``sqrt(x)`` for ``x >= 0`` whose value and gradient at 0 are 0."""
    positive = x > 0
    return torch.where(positive, torch.sqrt(torch.where(positive, x, 1.)), 0.)


def _valid_mask(values: torch.Tensor,
                valid_mask: Optional[torch.Tensor]) -> torch.Tensor:
    """Return ``valid_mask`` as a float tensor shaped like ``values``."""
    if valid_mask is None:
        return torch.ones_like(values)
    if valid_mask.shape != values.shape:
        raise ValueError(f'valid_mask has shape {tuple(valid_mask.shape)}, '
                         f'expected {tuple(values.shape)}')
    return valid_mask.to(values.dtype)


def normalized_gram(v: torch.Tensor) -> torch.Tensor:
    """Gram matrix of each row normalised by its squared L2 norm (eq. 3).

    ``Gram_v = v v^T / ||v||_2^2``. A zero row gives a zero matrix (never
    NaN), with a finite gradient.

    Args:
        v (torch.Tensor): Row vectors, shape ``[N, T]``.

    Returns:
        torch.Tensor: Shape ``[N, T, T]``.
    """
    sq_norm = (v * v).sum(dim=1)  # [N]
    sq_norm = torch.where(sq_norm > 0, sq_norm, torch.ones_like(sq_norm))
    outer = v.unsqueeze(2) * v.unsqueeze(1)  # [N, T, 1] x [N, 1, T]
    return outer / sq_norm.view(-1, 1, 1)


def coherence_loss_paper(weights: torch.Tensor,
                         distances: torch.Tensor,
                         valid_mask: Optional[torch.Tensor] = None
                         ) -> torch.Tensor:
    """Coherence loss as written in the paper (eq. 3).

    ``L_Coh = || Gram_{1-w} - Gram_d ||_F`` for each video, where
    ``Gram_{1-w} = (1-w)(1-w)^T / ||1-w||^2`` and
    ``Gram_d = d d^T / ||d||^2``; the result is averaged over videos.
    Padded frames (``valid_mask == 0``) are zeroed in both vectors and so
    take no part.

    Args:
        weights (torch.Tensor): Frame attention weights ``w`` in [0, 1],
            shape ``[N, T]``.
        distances (torch.Tensor): Frame-to-center distances ``d`` (eq. 2),
            shape ``[N, T]``.
        valid_mask (torch.Tensor, optional): 1 for real frames, 0 for
            padding, shape ``[N, T]``. Defaults to None (all valid).

    Returns:
        torch.Tensor: Scalar loss.
    """
    mask = _valid_mask(weights, valid_mask)
    gram_w = normalized_gram((1 - weights) * mask)  # [N, T, T]
    gram_d = normalized_gram(distances * mask)  # [N, T, T]
    sq_frobenius = ((gram_w - gram_d)**2).sum(dim=(1, 2))  # [N]
    return _safe_sqrt(sq_frobenius).mean()


def coherence_loss_official(weights: torch.Tensor,
                            distances: torch.Tensor,
                            valid_mask: Optional[torch.Tensor] = None,
                            scale: float = 100.,
                            eps: float = 1e-5) -> torch.Tensor:
    """Coherence loss as in the authors' released code.

    Differs from eq. 3: the attention ``a = 1 - w`` is centred per video
    (mean subtracted, not normalised); the distances are expected to be
    *squared* distances, are centred, shifted by ``eps`` and divided by their
    L2 norm; the loss is the mean squared error between the two outer
    products, times ``scale``. Means run over the valid frames of each video,
    the MSE over its valid frame pairs, then over videos.

    Scale against the release: its MSE runs over the whole batch, the image
    samples included, whose rows it zeroes; with ``N`` videos and ``M``
    images per batch its value is ``N / (N + M)`` times this one, i.e. half
    of it with KGA-Net's 1:1 batches. ``CoherenceLoss(variant='official',
    loss_weight=0.5)`` reproduces the released loss there.

    Args:
        weights (torch.Tensor): Frame attention weights, shape ``[N, T]``.
        distances (torch.Tensor): Squared frame-to-center distances,
            shape ``[N, T]``.
        valid_mask (torch.Tensor, optional): 1 for real frames, shape
            ``[N, T]``. Defaults to None (all valid).
        scale (float): Factor on the MSE. Defaults to 100.
        eps (float): Shift added to the centred distances. Defaults to 1e-5.

    Returns:
        torch.Tensor: Scalar loss.
    """
    mask = _valid_mask(weights, valid_mask)
    num_valid = mask.sum(dim=1, keepdim=True).clamp(min=1)  # [N, 1]
    attention = (1 - weights) * mask
    attention = (attention - attention.sum(1, keepdim=True) / num_valid) * mask
    dist = distances * mask
    dist = (dist - dist.sum(1, keepdim=True) / num_valid + eps) * mask
    dist = dist / _safe_sqrt((dist * dist).sum(1, keepdim=True)).clamp(
        min=torch.finfo(dist.dtype).tiny)
    outer_a = attention.unsqueeze(2) * attention.unsqueeze(1)  # [N, T, T]
    outer_d = dist.unsqueeze(2) * dist.unsqueeze(1)  # [N, T, T]
    pair_mask = mask.unsqueeze(2) * mask.unsqueeze(1)  # [N, T, T]
    sq_err = ((outer_a - outer_d)**2 * pair_mask).sum(dim=(1, 2))  # [N]
    mse = sq_err / pair_mask.sum(dim=(1, 2)).clamp(min=1)
    return mse.mean() * scale


@MODELS.register_module()
class CoherenceLoss(nn.Module):
    """Coherence loss: frames near their class center get high attention.

    Makes the Gram matrix of ``1 - w`` (frame attention) match the Gram
    matrix of the frame-to-center distances ``d``.

    Args:
        loss_weight (float): Weight ``lambda`` of the loss in eq. 4.
            Defaults to 1.0.
        variant (str): ``'paper'`` for eq. 3 (:func:`coherence_loss_paper`,
            plain L2 distances), or ``'official'`` for the released code
            (:func:`coherence_loss_official`, squared distances; averaged
            over videos, so ``loss_weight=0.5`` matches the release's
            average over 1:1 batches of videos and images).
            Defaults to ``'paper'``.
    """

    VARIANTS = {'paper': coherence_loss_paper,
                'official': coherence_loss_official}
    # Whether each variant takes squared distances (see the functions).
    SQUARED_DISTANCES = {'paper': False, 'official': True}

    def __init__(self, loss_weight: float = 1.0,
                 variant: str = 'paper') -> None:
        super().__init__()
        if variant not in self.VARIANTS:
            raise ValueError(f'Unknown CoherenceLoss variant {variant!r}; '
                             f'choose one of {sorted(self.VARIANTS)}')
        self.loss_weight = loss_weight
        self.variant = variant

    @property
    def squared_distances(self) -> bool:
        """bool: whether :meth:`forward` expects squared distances."""
        return self.SQUARED_DISTANCES[self.variant]

    def forward(self,
                attention: torch.Tensor,
                distances: torch.Tensor,
                valid_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Compute the weighted coherence loss.

        Args:
            attention (torch.Tensor): Frame weights ``w``, shape ``[N, T]``.
            distances (torch.Tensor): Frame-to-center distances, shape
                ``[N, T]`` (squared for ``variant='official'``).
            valid_mask (torch.Tensor, optional): 1 for real frames, 0 for
                padding, shape ``[N, T]``. Defaults to None.

        Returns:
            torch.Tensor: Scalar loss times ``loss_weight``.
        """
        if attention.shape != distances.shape or attention.dim() != 2:
            raise ValueError('attention and distances must both be [N, T], '
                             f'got {tuple(attention.shape)} and '
                             f'{tuple(distances.shape)}')
        loss = self.VARIANTS[self.variant](attention, distances, valid_mask)
        return self.loss_weight * loss
