"""utils.provenance.git_commit: the commit a report was made at, marked
when tracked files differ from it."""
import subprocess

from kga_mmaction.utils import git_commit


def git(repo, *args):
    return subprocess.run(['git', '-C', str(repo), *args], check=True,
                          capture_output=True, text=True).stdout.strip()


def test_commit_of_a_checkout_and_its_changes(tmp_path):
    repo = tmp_path / 'repo'
    repo.mkdir()
    git(repo, 'init', '-q')
    (repo / 'a.py').write_text('x = 1\n')
    git(repo, 'add', 'a.py')
    git(repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm',
        'one')
    head = git(repo, 'rev-parse', '--short', 'HEAD')
    assert git_commit(str(repo)) == head
    (repo / 'untracked.py').write_text('y = 2\n')  # not a change of HEAD
    assert git_commit(str(repo)) == head
    (repo / 'a.py').write_text('x = 2\n')
    assert git_commit(str(repo)) == head + '+'


def test_outside_a_checkout_it_is_unknown(tmp_path):
    assert git_commit(str(tmp_path)) == 'unknown'
