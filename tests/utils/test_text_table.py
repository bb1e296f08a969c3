"""text_table: the plain-text tables of the dataset summaries and logs."""
from kga_mmaction.utils import text_table


def test_columns_are_as_wide_as_their_widest_cell():
    table = text_table(('video', 'T'), [('a', 12), ('long_name', 3)])
    assert table.splitlines() == [
        '  video      T',
        '  ---------  --',
        '  a          12',
        '  long_name  3',
    ]
