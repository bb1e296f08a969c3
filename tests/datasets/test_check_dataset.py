"""tools/data/check_dataset.py: the report and the exit code."""
import importlib.util
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CLI = osp.join(REPO, 'tools', 'data', 'check_dataset.py')


@pytest.fixture(scope='module')
def cli():
    spec = importlib.util.spec_from_file_location('check_dataset', CLI)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_ok(cli, busv_root, busi_root, capsys):
    assert cli.main(['--busv', busv_root, '--busi', busi_root]) == 0
    out = capsys.readouterr().out
    assert 'BUSV: no problems' in out and 'BUSI: no problems' in out
    assert 'official' in out and 'clean' in out and '670x670' in out
    assert 'I;16: 1' in out


def test_cli_reports_problems_and_exits_1(cli, busv_root, busi_root, tmp_path,
                                          capsys):
    missing = osp.join(busv_root, 'rawframes', 'benign', 'x28f299ceb056964c',
                       '000000.png')
    os.remove(missing)
    assert cli.main(['--busv', busv_root, '--busi', busi_root]) == 1
    out = capsys.readouterr().out
    assert f'missing_frame: {missing}' in out
    assert 'BUSI: no problems' in out
    assert cli.main(['--busi', str(tmp_path / 'nothing')]) == 1
    assert 'cannot check' in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main([])


def test_cli_script_exit_code(busv_root):
    corrupt = osp.join(busv_root, 'rawframes', 'malignant',
                       'x3b88488853e8b7d1', '000002.png')
    with open(corrupt, 'wb') as f:
        f.write(b'garbage')
    env = dict(os.environ, PYTHONPATH=REPO)
    proc = subprocess.run([sys.executable, CLI, '--busv', busv_root, '--deep'],
                          capture_output=True,
                          text=True,
                          env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f'unreadable_file: {corrupt}' in proc.stdout


# ------------------------- inconsistencies between records (generated data)


def test_generated_data_has_no_problems(cli, generated_busv, capsys):
    assert cli.main(['--busv', generated_busv, '--deep']) == 0
    assert 'BUSV: no problems' in capsys.readouterr().out


def test_an_image_id_used_twice_fails_naming_both_frames(
        cli, generated_busv, mini, capsys):
    """A malignant frame's image id given to a benign frame used to move
    the lesion box onto the benign frame, and "no problems"."""
    def edit(data):
        images = data['images']
        benign = next(i for i in images if i['file_name'].startswith('b'))
        malignant = next(i for i in images if i['file_name'].startswith('m'))
        benign['id'] = malignant['id']
        names.extend([malignant['file_name'], benign['file_name']])

    names = []
    mini.edit_busv_json(generated_busv, 'train', edit)
    assert cli.main(['--busv', generated_busv]) == 1
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if 'duplicate_id' in line)
    assert names[0] in line and names[1] in line


def test_a_video_copied_into_the_other_class_fails_naming_both(
        cli, generated_busv, mini, capsys):
    """A benign train video copied into malignant/ and listed in the val
    JSON: a label conflict and a train/val leak."""
    benign = next(n for n in mini.busv_videos(generated_busv, 'train')
                  if n.startswith('benign/'))
    copy = benign.replace('benign/', 'malignant/')
    mini.copy_busv_video(generated_busv, benign, copy, 'val')
    assert cli.main(['--busv', generated_busv]) == 1
    out = capsys.readouterr().out
    path = osp.join(generated_busv, 'rawframes', copy)
    assert f'video_in_two_classes: {path}' in out
    assert (f'is also listed as {benign} (train' in out
            and 'a label conflict and a train/val leak' in out)


@pytest.mark.parametrize('value', [float('nan'), float('inf'), 1e308])
def test_a_non_finite_or_absurd_box_fails_naming_it(cli, generated_busv,
                                                     mini, capsys, value):
    """A NaN, infinite or 1e308 box gave NaN or infinite lesion areas."""
    def edit(data):
        data['annotations'][0]['bbox'][2] = value
        image = next(i for i in data['images']
                     if i['id'] == data['annotations'][0]['image_id'])
        names.append(image['file_name'])

    names = []
    mini.edit_busv_json(generated_busv, 'val', edit)
    assert cli.main(['--busv', generated_busv]) == 1
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if 'bad_box' in line)
    assert names[0] in line
    assert ('not finite' if value != 1e308 else 'beyond the 40x40 frame'
            ) in line


def test_deep_names_videos_that_share_frames_and_how_many(
        cli, generated_busv, mini, capsys):
    """A benign train video copied under another name into malignant/ and
    the val JSON: only the frames show it."""
    benign = next(n for n in mini.busv_videos(generated_busv, 'train')
                  if n.startswith('benign/'))
    mini.copy_busv_video(generated_busv, benign, 'malignant/copy0000000000',
                         'val')
    assert cli.main(['--busv', generated_busv]) == 0  # the names differ
    capsys.readouterr()
    assert cli.main(['--busv', generated_busv, '--deep']) == 1
    out = capsys.readouterr().out
    raw = osp.join(generated_busv, 'rawframes')
    frames = len(os.listdir(osp.join(raw, benign)))
    assert (f'shared_frames: {osp.join(raw, benign)} (shares {frames} '
            f'pixel-identical frame(s) with '
            f'{osp.join(raw, "malignant", "copy0000000000")} (benign, '
            'train vs malignant, val: a label conflict and a train/val '
            'leak))') in out


def test_a_json_with_a_utf8_bom_is_read(cli, generated_busv, capsys):
    for name in ('imagenet_vid_train_15frames.json', 'imagenet_vid_val.json'):
        path = osp.join(generated_busv, name)
        with open(path, 'rb') as f:
            data = f.read()
        with open(path, 'wb') as f:
            f.write(b'\xef\xbb\xbf' + data)
    assert cli.main(['--busv', generated_busv]) == 0
    assert 'BUSV: no problems' in capsys.readouterr().out


def test_a_broken_video_link_is_named_as_such(cli, generated_busv, mini,
                                              capsys):
    """It used to be reported as "folder missing"."""
    name = mini.busv_videos(generated_busv, 'val')[0]
    folder = osp.join(generated_busv, 'rawframes', name)
    shutil.move(folder, folder + '_moved')
    os.symlink(folder + '_elsewhere', folder)
    assert cli.main(['--busv', generated_busv]) == 1
    out = capsys.readouterr().out
    assert (f'broken_symlink: {folder} (symbolic link to '
            f'{folder}_elsewhere, which does not exist)') in out
    assert 'folder missing' not in out
