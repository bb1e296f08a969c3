"""Small builders shared by the tests."""
import numpy as np
from mmaction.structures import ActionDataSample


def make_sample(label: int, source: str = 'video') -> ActionDataSample:
    """An ActionDataSample with a label and a source tag."""
    sample = ActionDataSample()
    sample.set_gt_label(label)
    sample.set_metainfo(dict(source=source))
    return sample


def pairwise_auc(labels, scores) -> float:
    """ROC AUC counted by hand (Mann-Whitney): the fraction of
    (positive, negative) pairs ranked the right way, a tie counting half.
    An oracle independent of the ROC curve that the package computes."""
    labels = np.asarray(labels).astype(bool)
    scores = np.asarray(scores, dtype=np.float64)
    pos, neg = scores[labels][:, None], scores[~labels][None, :]
    return float(((pos > neg) + 0.5 * (pos == neg)).mean())
