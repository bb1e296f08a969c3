"""A whole results table: run (or resume) every run, build the rows (and
the oracle row), and format them as Markdown."""
from .markdown import format_table
from .rows import add_delong, build_oracle_row, build_rows
from .runs import plan_runs, run_all, run_commands, shell_line
from .settings import TableSettings


def make_table(settings: TableSettings, work_root: str, jobs: int) -> str:
    """Train, test and score every run of the table that is not finished,
    then compare the rows; a lesion-area oracle row
    (``settings.oracle_of``) comes last, from its source row's files.

    Args:
        settings (TableSettings): The table.
        work_root (str): Folder of the runs' work dirs
            (:func:`~.runs.plan_runs`).
        jobs (int): Runs at a time.

    Returns:
        str: The table's Markdown (:func:`~.markdown.format_table`).
    """
    runs = plan_runs(settings, work_root)
    rows = build_rows(settings, runs, run_all(runs, jobs))
    if settings.oracle_of is not None:
        rows.append(build_oracle_row(settings, runs))
    add_delong(rows, settings.reference)
    commands = [
        shell_line(command, run.work_dir) for run in runs
        for command in run_commands(run)
    ]
    return format_table(settings, rows, commands)
