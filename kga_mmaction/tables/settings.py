"""What a results table runs and how it reports it."""
from dataclasses import dataclass
from typing import Optional, Tuple


@dataclass(frozen=True)
class TableSettings:
    """One table: its rows, the runs behind each row, and its report.

    Args:
        configs (tuple[str]): Config file of each row.
        names (tuple[str]): Name of each row, one per config.
        reference (str): The row that the DeLong p-values compare with;
            one of ``names``.
        seeds (tuple[int]): Training seeds; each row runs once per seed
            (and fold).
        num_folds (int, optional): K of a K-fold cross-validation of the
            BUSV videos; None for the configs' own train/test split.
        fold_seed (int): Seed of the folds.
        bootstrap (int): Bootstrap resamples of the pooled out-of-fold AUC
            CI.
        bootstrap_seed (int): Seed of the bootstrap.
        cfg_options (tuple[str]): ``--cfg-options`` passed to
            ``tools/train.py`` and ``tools/test.py``.
        title (str): Heading of the Markdown table.
    """

    configs: Tuple[str, ...]
    names: Tuple[str, ...]
    reference: str
    seeds: Tuple[int, ...]
    num_folds: Optional[int]
    fold_seed: int
    bootstrap: int
    bootstrap_seed: int
    cfg_options: Tuple[str, ...]
    title: str

    @property
    def folds(self) -> bool:
        """Whether the rows are cross-validated."""
        return self.num_folds is not None
