"""Log-odds of the positive class, the score videos are ranked by, and
the probability they give."""
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch
from scipy.special import expit, logsumexp


def positive_log_odds(logits: Union[torch.Tensor, Sequence[float]],
                      positive_class: int) -> float:
    """Log-odds of the positive class from class logits, in float64.

    ``log p_pos - log(1 - p_pos) = z_pos - logsumexp(z_other)`` for the
    softmax ``p`` of the logits ``z``. Unlike the probability, it keeps
    videos apart whose probabilities round to 1.0 (or 0.0).

    Args:
        logits (torch.Tensor | Sequence[float]): Logits of the K classes,
            ``[K]``.
        positive_class (int): Index of the positive class.

    Returns:
        float: The log-odds; ``+-inf`` only for infinite logits.

    Raises:
        ValueError: If ``positive_class`` is not a class of the logits.
    """
    z = (logits.detach().cpu().double().numpy() if isinstance(
        logits, torch.Tensor) else np.asarray(logits, dtype=np.float64))
    z = z.reshape(-1)
    if not 0 <= positive_class < z.size:
        raise ValueError(f'positive_class={positive_class} but the logits '
                         f'have {z.size} classes')
    others = np.delete(z, positive_class)
    return float(z[positive_class] - logsumexp(others))


def ranking_scores(probabilities: Sequence[float],
                   log_odds: Sequence[Optional[float]]
                   ) -> Tuple[np.ndarray, bool]:
    """The scores that rank the videos: log-odds if every video has them.

    A float32 probability rounds to exactly 1.0 once the logit margin passes
    about 17, and ranking by such ties would lower the AUC and move the
    Youden threshold; the log-odds keep those videos apart. A model without
    logits (a baseline) is ranked by its probabilities.

    Args:
        probabilities (Sequence[float]): Positive-class probability of each
            video, ``[N]``.
        log_odds (Sequence[float | None]): Its log-odds
            (:func:`positive_log_odds`), None where the model gave no
            logits, ``[N]``.

    Returns:
        tuple[np.ndarray, bool]: The scores ``[N]`` (float64) and whether
        they are log-odds.
    """
    by_log_odds = all(value is not None for value in log_odds)
    scores = np.array(log_odds if by_log_odds else probabilities,
                      dtype=np.float64)
    return scores, by_log_odds


def positive_probabilities(probabilities: Sequence[float],
                           log_odds: Sequence[Optional[float]]
                           ) -> np.ndarray:
    """The positive-class probabilities, from the log-odds where possible.

    Where every video has log-odds (:func:`ranking_scores` ranks by them),
    the probability is ``expit(log_odds)`` in float64, so that a video with
    a logit margin of 40 has ``1 - 4e-18`` rather than the float32 softmax's
    rounded 1.0; otherwise the given probabilities. Calibration
    (:mod:`.calibration`) is measured on these.

    Args:
        probabilities (Sequence[float]): Positive-class probability of each
            video, ``[N]``.
        log_odds (Sequence[float | None]): Its log-odds, None where the
            model gave no logits, ``[N]``.

    Returns:
        np.ndarray: The probabilities ``[N]`` (float64).
    """
    scores, by_log_odds = ranking_scores(probabilities, log_odds)
    return expit(scores) if by_log_odds else scores
