"""A plain-text table, as the dataset summaries and the metrics' logs print
it."""
from typing import Iterable, Sequence


def text_table(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """Left-aligned plain-text table, indented by two spaces.

    Args:
        header (Sequence[str]): Column titles.
        rows (Iterable[Sequence]): Rows of cells (any type, printed with
            ``str``), as many as ``header``.

    Returns:
        str: The header, a rule of dashes and the rows, joined by newlines.
    """
    rows = [tuple(str(c) for c in row) for row in rows]
    widths = [
        max([len(h)] + [len(row[i]) for row in rows])
        for i, h in enumerate(header)
    ]

    def line(cells):
        return ('  ' + '  '.join(c.ljust(w)
                                 for c, w in zip(cells, widths))).rstrip()

    rule = '  ' + '  '.join('-' * w for w in widths)
    return '\n'.join([line(header), rule] + [line(row) for row in rows])
