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
        oracle_of (str, optional): Add a lesion-area oracle row on this
            row's features (one of ``names``): its test predictions
            rescored with the annotated lesion areas as frame weights
            (:func:`~kga_mmaction.evaluation.load_lesion_area_oracle`), no
            runs of its own. Defaults to None (no oracle row).
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
    oracle_of: Optional[str] = None

    @property
    def oracle_name(self) -> str:
        """Name of the oracle row."""
        return f"oracle (lesion-area weights on {self.oracle_of}'s features)"

    @property
    def folds(self) -> bool:
        """Whether the rows are cross-validated."""
        return self.num_folds is not None
