"""The results tables behind ``tools/analysis/run_table.py``: a list of
configs trained and tested over seeds or cross-validation folds, compared
row by row.

Layout:

* :mod:`.settings` -- :class:`TableSettings`, what a table runs and
  reports.
* :mod:`.runs` -- the runs: work dirs, the train/test commands and their
  shell lines, running one and storing its ``metrics.json`` (a finished
  run is skipped).
* :mod:`.prediction_metrics` -- diagnosis and keyframe-localisation
  metrics recomputed from prediction files.
* :mod:`.rows` -- a row per config: its predictions pooled per seed, the
  pooled AUC with its bootstrap CI, calibration, keyframe localisation,
  and the DeLong p-value against the reference row; and the lesion-area
  oracle row derived from a config's prediction files.
* :mod:`.markdown` -- the table as Markdown, with what each column is and
  the commands.
* :mod:`.table` -- :func:`make_table`, all of the above in order.
"""
from .markdown import format_p, format_table, mean_std
from .prediction_metrics import diagnosis_metrics, keyframe_metrics
from .rows import (Row, add_delong, build_oracle_row, build_row,
                   build_rows)
from .runs import (Run, plan_runs, run_all, run_commands, run_one,
                   score_run, shell_line)
from .settings import TableSettings
from .table import make_table

__all__ = [
    'Row', 'Run', 'TableSettings', 'add_delong', 'build_oracle_row',
    'build_row', 'build_rows',
    'diagnosis_metrics', 'format_p', 'format_table', 'keyframe_metrics',
    'make_table', 'mean_std', 'plan_runs', 'run_all', 'run_commands',
    'run_one', 'score_run', 'shell_line'
]
