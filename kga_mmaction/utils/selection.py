"""Pick a few items of a long, often class-sorted, sequence."""
from typing import List, Optional

import numpy as np


def spread_indices(total: int, num: Optional[int]) -> List[int]:
    """``num`` indices spread evenly over ``range(total)`` (all if None).

    Datasets are often sorted by class, so the first ``num`` items could
    all be of one class; evenly spread ones are not.

    Args:
        total (int): Number of items.
        num (int, optional): How many to pick. Defaults to all.

    Returns:
        list[int]: Sorted, distinct indices.

    Raises:
        ValueError: If ``num < 1``.
    """
    if num is None or num >= total:
        return list(range(total))
    if num < 1:
        raise ValueError(f'need at least one item, got {num}')
    return sorted({int(round(i)) for i in np.linspace(0, total - 1, num)})
