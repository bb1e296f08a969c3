"""Numbers quoted in the docs, checked against the files they come from.

A quoted number carries its source in an HTML comment right after it,
invisible on the rendered page::

    the demo scores an AUC of 0.8212 <!-- from docs/figures/metrics.json:
    diagnosis/auc -->
    KGA-Net 78.0 % <!-- from results/premise_sweep.md: Keyframe fraction
    0.1 | KGA-Net | Pooled OOF AUC -->

* A JSON source names a key: ``a.b`` descends into objects, ``rows.2``
  takes a list's third item, ``rows.model=kga&frames=128`` the item whose
  members have those values; a key that holds dots itself is tried first.
* A Markdown source names ``[heading |] row | column``: the first table
  after the first heading that contains ``heading`` (the whole file without
  one), its first row whose first cell starts with ``row``, and the column whose header
  starts with ``column``. The cell may hold several numbers (``78.00
  [70.47, 84.79]``); one must agree.

A quote agrees when its source value, or 100 times it (a fraction quoted in
per cent), rounds to the quoted number (:func:`agrees`).
Relative links and images of the pages must exist too. ``tools/check_docs.py``
runs the check; ``make test`` runs it on the committed pages.
"""
import json
import os.path as osp
import re
from typing import List, Optional, Tuple

#: A number, then ``<!-- from SOURCE[: KEY] -->``.
QUOTE = re.compile(
    r'(?P<number>-?\d+(?:\.\d+)?)\s*%?\s*'
    r'<!--\s*from\s+(?P<source>[^\s:]+)(?::\s*(?P<key>.*?))?\s*-->', re.S)
#: A relative link or image target of a Markdown page.
LINK = re.compile(r'\]\((?!https?://|#|mailto:)(?P<target>[^)\s#]+)')
NUMBER = re.compile(r'-?\d+(?:\.\d+)?')


def decimals(text: str) -> int:
    """Digits after the decimal point of a quoted number."""
    return len(text.split('.')[1]) if '.' in text else 0


def agrees(quoted: str, value: float,
           value_places: Optional[int] = None) -> bool:
    """Whether ``value`` (or 100x it) rounds to the quoted number: they
    differ by at most half a unit of the quote's last digit, plus half a
    unit of the value's own last digit where the source rounded it
    (``value_places``, a number read from a Markdown table)."""
    tolerance = 0.5 * 10**-decimals(quoted) + 1e-9
    if value_places is not None:
        tolerance += 0.5 * 10**-value_places
    return any(abs(v - float(quoted)) <= tolerance
               for v in (value, 100 * value))


def json_value(path: str, key: str) -> float:
    """The number under ``key`` in a JSON file (see :func:`json_step`)."""
    with open(path) as f:
        node = json.load(f)
    if isinstance(node, dict) and key in node:
        return float(node[key])
    for part in key.split('.'):
        node = json_step(node, part, key)
    return float(node)


def json_step(node, part: str, key: str):
    """One step down a JSON path: an object's member, a list's item by
    position, or the list item whose members match ``a=x&b=y``."""
    if isinstance(node, dict) and part in node:
        return node[part]
    if isinstance(node, list):
        if part.isdigit() and int(part) < len(node):
            return node[int(part)]
        wanted = dict(c.split('=', 1) for c in part.split('&') if '=' in c)
        for item in node:
            if wanted and isinstance(item, dict) and all(
                    str(item.get(k)) == v for k, v in wanted.items()):
                return item
    raise KeyError(f'no key {key!r}')


def table_cell(path: str, key: str) -> str:
    """The Markdown table cell that ``[heading |] row | column`` names."""
    parts = [p.strip() for p in key.split('|')]
    if len(parts) not in (2, 3):
        raise KeyError(f'expected "[heading |] row | column", got {key!r}')
    heading, row, column = ([None] + parts)[-3:]
    with open(path, encoding='utf-8') as f:
        lines = f.read().splitlines()
    start = 0
    if heading is not None:
        start = next((i for i, line in enumerate(lines)
                      if line.startswith('#') and heading in line), None)
        if start is None:
            raise KeyError(f'no heading containing {heading!r}')
    header = None
    for line in lines[start:]:
        if not line.startswith('|'):
            if header is not None:
                break  # the end of the first table after the heading
            continue
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if header is None:
            header = cells
        elif cells[0].startswith(row):
            for name, cell in zip(header, cells):
                if name.startswith(column):
                    return cell
            raise KeyError(f'no column starting with {column!r}')
    raise KeyError(f'no table row {row!r}')


def source_values(path: str,
                  key: Optional[str]) -> List[Tuple[float, Optional[int]]]:
    """The numbers a quote's source offers, each with its decimals where
    the source rounded it (None: full precision)."""
    if key is None:
        raise KeyError('no key given')
    if path.endswith('.json'):
        return [(json_value(path, key), None)]
    return [(float(n), decimals(n))
            for n in NUMBER.findall(table_cell(path, key))]


def check_page(page: str, root: str) -> Tuple[int, List[str]]:
    """Check the quotes and relative links of one page.

    Args:
        page (str): A Markdown file.
        root (str): The folder that quote sources are relative to (the
            repository root); links are relative to the page.

    Returns:
        tuple[int, list[str]]: The number of quotes checked, and one line
        per problem (the page, the line, what disagrees).
    """
    with open(page, encoding='utf-8') as f:
        text = f.read()
    problems, count = [], 0
    for match in QUOTE.finditer(text):
        count += 1
        where = f'{page}:{text.count(chr(10), 0, match.start()) + 1}'
        source, key = match.group('source'), match.group('key')
        quoted = match.group('number')
        try:
            values = source_values(osp.join(root, source), key)
        except (OSError, ValueError, KeyError) as err:
            problems.append(f'{where}: {quoted} from {source}: {err}')
            continue
        if not any(agrees(quoted, *v) for v in values):
            held = ', '.join(str(v) for v, _ in values)
            problems.append(f'{where}: {quoted} quoted, but {source} '
                            f'({key}) holds {held}')
    for match in LINK.finditer(text):
        target = osp.join(osp.dirname(page), match.group('target'))
        if not osp.exists(target):
            line = text.count('\n', 0, match.start()) + 1
            problems.append(f'{page}:{line}: link to {match.group("target")}'
                            ', which does not exist')
    return count, problems
