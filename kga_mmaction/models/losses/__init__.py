from .center_loss import CenterLoss, center_distances
from .coherence_loss import (CoherenceLoss, coherence_loss_official,
                             coherence_loss_paper, normalized_gram)

__all__ = [
    'CenterLoss', 'CoherenceLoss', 'center_distances',
    'coherence_loss_official', 'coherence_loss_paper', 'normalized_gram'
]
