"""kga_mmaction.utils.atomic: files written whole or not at all."""
import os

import pytest

from kga_mmaction.utils import write_atomically


def test_write_atomically_leaves_no_partial_file(tmp_path):
    path = tmp_path / 'preds.json'
    path.write_text('old')

    def failing_write(f):
        f.write('[{"index": 0,')
        raise RuntimeError('disk full')

    with pytest.raises(RuntimeError, match='disk full'):
        write_atomically(str(path), failing_write)
    assert path.read_text() == 'old'
    assert os.listdir(tmp_path) == ['preds.json']
    write_atomically(str(path), lambda f: f.write('new'))
    assert path.read_text() == 'new'
    assert os.listdir(tmp_path) == ['preds.json']
    write_atomically(str(path), lambda f: f.write(b'\x80\x02'), binary=True)
    assert path.read_bytes() == b'\x80\x02'
    assert os.listdir(tmp_path) == ['preds.json']
