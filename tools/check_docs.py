"""Check that the numbers README.md and docs/ quote agree with the files
they come from, and that their links exist:
``python tools/check_docs.py [PAGE ...]`` (default: README.md and
docs/*.md). Exit status 1 on any disagreement. How a page quotes a number:
:mod:`kga_mmaction.utils.doc_quotes`."""
import argparse
import glob
import os.path as osp
import sys

from kga_mmaction.utils.doc_quotes import check_page

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def default_pages() -> list:
    return [osp.join(ROOT, 'README.md')] + sorted(
        glob.glob(osp.join(ROOT, 'docs', '*.md')))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('pages', nargs='*', help='Markdown pages')
    args = parser.parse_args(argv)
    total, problems = 0, []
    for page in args.pages or default_pages():
        count, found = check_page(page, ROOT)
        total += count
        problems += found
    for line in problems:
        print(line, file=sys.stderr)
    print(f'{total} quoted numbers checked, {len(problems)} problem(s)')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
