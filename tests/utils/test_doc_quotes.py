"""Numbers quoted in README.md and docs/ agree with their sources, and a
doctored number, a wrong key or a dead link fails the check."""
import json
import shutil

from kga_mmaction.utils.doc_quotes import check_page
from builders import load_script
from runner_options import ROOT

CHECK = load_script(f'{ROOT}/tools/check_docs.py', 'kga_check_docs')

TABLE = """# Sweep

## Keyframe fraction 0.1

| Model | Pooled OOF AUC (%) [95% CI] | p vs frame averaging (DeLong) |
|---|---|---|
| KGA-Net | 78.00 [70.47, 84.79] | 0.003 |
| frame averaging | 74.70 [66.63, 82.19] | ref |

## Keyframe fraction 1.0

| Model | Pooled OOF AUC (%) [95% CI] | p vs frame averaging (DeLong) |
|---|---|---|
| KGA-Net | 100.00 [100.00, 100.00] | 1.000 |
"""


def page_with(tmp_path, text):
    (tmp_path / 'metrics.json').write_text(json.dumps(
        {'diagnosis/auc': 0.82121, 'nested': {'weight': 0.4662}}))
    (tmp_path / 'sweep.md').write_text(TABLE)
    (tmp_path / 'fig.png').write_bytes(b'')
    page = tmp_path / 'page.md'
    page.write_text(text)
    return str(page)


def test_the_committed_pages_agree_with_their_sources():
    """The check ``make test`` runs on README.md and docs/, which quote
    the demo's metrics, the premise sweep and the speed report."""
    assert CHECK.main([]) == 0
    counts = [check_page(page, ROOT)[0] for page in CHECK.default_pages()]
    assert sum(counts) >= 40


def test_quotes_that_agree(tmp_path):
    page = page_with(tmp_path, (
        'AUC 0.8212 <!-- from metrics.json: diagnosis/auc --> or 82.1 % '
        '<!-- from metrics.json: diagnosis/auc -->, overlap 0.466 '
        '<!-- from metrics.json: nested.weight -->; KGA-Net 78.0 % '
        '<!-- from sweep.md: Keyframe fraction 0.1 | KGA-Net | Pooled -->,'
        ' CI up to 84.8 <!-- from sweep.md: fraction 0.1 | KGA-Net | '
        'Pooled -->, p = 0.003 <!-- from sweep.md: KGA-Net | p vs -->.'
        ' ![figure](fig.png)'))
    assert check_page(page, str(tmp_path)) == (6, [])


def test_a_doctored_number_fails(tmp_path):
    page = page_with(tmp_path, (
        'AUC 0.8312 <!-- from metrics.json: diagnosis/auc -->, and 100.0 '
        '<!-- from sweep.md: fraction 0.1 | KGA-Net | Pooled -->'))
    count, problems = check_page(page, str(tmp_path))
    assert count == 2 and len(problems) == 2
    assert 'page.md:1: 0.8312 quoted, but metrics.json' in problems[0]
    assert '78.0' in problems[1]  # the 0.1 table, not the 1.0 one


def test_unknown_keys_sources_and_dead_links_fail(tmp_path):
    page = page_with(tmp_path, (
        '1 <!-- from metrics.json: diagnosis/acc -->\n'
        '2 <!-- from nowhere.json: x -->\n'
        '3 <!-- from sweep.md: SlowFast | Pooled -->\n'
        '[report](missing.md) and [web](https://example.org/x.md)'))
    count, problems = check_page(page, str(tmp_path))
    assert count == 3
    assert [p.split(':')[1] for p in problems] == ['1', '2', '3', '4']
    assert "no key 'diagnosis/acc'" in problems[0]
    assert 'no table row' in problems[2]
    assert 'link to missing.md' in problems[3]


def test_the_tool_exits_non_zero_on_a_doctored_copy(tmp_path, capsys):
    readme = tmp_path / 'README.md'
    shutil.copy(f'{ROOT}/README.md', readme)
    text = readme.read_text()
    readme.write_text(text + '\n0.123456 <!-- from README.md: x | y -->\n')
    assert CHECK.main([str(readme)]) == 1
    assert '0.123456 from README.md' in capsys.readouterr().err
