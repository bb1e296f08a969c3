"""validation.check_busv_root/check_busi_root and tools/data/check_dataset.py.
"""
import importlib.util
import os
import os.path as osp
import subprocess
import sys

import pytest

from kga_mmaction.datasets.validation import (check_busi_root, check_busv_root,
                                              format_busv_summary)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CLI = osp.join(REPO, 'tools', 'data', 'check_dataset.py')


@pytest.fixture(scope='module')
def cli():
    spec = importlib.util.spec_from_file_location('check_dataset', CLI)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_busv_summary_per_split_variant_class(busv_root):
    summary = check_busv_root(busv_root)
    assert summary['problems'] == []
    assert summary['annotation_files']['val'] == osp.join(
        busv_root, 'imagenet_vid_val.json')
    train = summary['splits']['train']
    assert train['official']['benign'] == dict(
        videos=6,
        frames=4 + 3 + 2 + 2 + 2 + 2,
        min_frames=2,
        median_frames=2.0,
        max_frames=4,
        sizes={
            '32x32': 5,
            '48x32': 1
        })
    assert train['official']['malignant']['videos'] == 2
    assert train['clean']['benign']['videos'] == 2
    assert train['clean']['malignant']['videos'] == 2
    val = summary['splits']['val']
    assert val['official']['malignant']['sizes'] == {'32x32': 1, '670x670': 1}
    assert val['clean']['benign']['videos'] == 1
    assert val['clean']['malignant']['videos'] == 3
    changes = summary['variant_changes']['clean']
    assert changes['dropped_duplicate'] == ['benign/x66ef02e7f1b9a0ef']
    assert changes['not_found'] == []
    table = format_busv_summary(summary)
    assert '670x670: 1' in table and '48x32: 1' in table


def test_busv_annotations_folder_found(busv_root_annotations):
    summary = check_busv_root(busv_root_annotations)
    assert summary['annotation_files']['train'] == osp.join(
        busv_root_annotations, 'annotations',
        'instances_imagenet_vid_train_15frames.json')
    assert summary['problems'] == []


def test_busv_every_problem_kind_with_its_path(busv_root, mini):
    raw = osp.join(busv_root, 'rawframes')
    # missing frame
    missing = osp.join(raw, 'benign', 'x28f299ceb056964c', '000003.png')
    os.remove(missing)
    # empty video folder
    empty = osp.join(raw, 'benign', '0a1b2c3d4e5f6a7b')
    for name in os.listdir(empty):
        os.remove(osp.join(empty, name))
    # gap in numbering, consistent with the JSON
    gap_video = 'malignant/x3b88488853e8b7d1'
    os.remove(osp.join(raw, gap_video, '000001.png'))
    mini.write_busv_json(
        busv_root, 'train',
        mini.cocovid(mini.BUSV_TRAIN, frames_of={gap_video: [0, 2]}))
    # unknown class folder
    mini.write_busv_frames(osp.join(raw, 'normal', 'abc'), [0], 32, 32)
    # JSON entry without files
    os.rename(
        osp.join(raw, 'malignant', 'x9c1c965d274c457'),
        osp.join(raw, 'malignant', 'x9c1c965d274c457_old'))
    # corrupt PNG (deep) and wrong size (deep)
    corrupt = osp.join(raw, 'benign', '2390fbea047347b', '000001.png')
    with open(corrupt, 'wb') as f:
        f.write(b'garbage')
    resized = osp.join(raw, 'benign', 'x5a1c46ec6377e946', '000000.png')
    mini.write_busv_frames(osp.dirname(resized), [0], 20, 20)

    cheap = {(p.kind, p.path) for p in check_busv_root(busv_root)['problems']}
    expected = {
        ('missing_frame', missing),
        ('empty_video', empty),
        ('frame_gap', osp.join(raw, gap_video, '000001.png')),
        ('unknown_label', osp.join(raw, 'normal')),
        ('json_entry_without_files',
         osp.join(raw, 'malignant', 'x9c1c965d274c457')),
    }
    assert cheap == expected
    # the renamed folder is in no JSON: reported, not a problem
    assert [(p.kind, p.path)
            for p in check_busv_root(busv_root)['warnings']] == [
                ('video_not_in_json',
                 osp.join(raw, 'malignant', 'x9c1c965d274c457_old'))]
    deep = {(p.kind, p.path)
            for p in check_busv_root(busv_root, deep=True)['problems']}
    assert deep == expected | {('unreadable_file', corrupt),
                               ('size_mismatch', resized)}


def test_busi_summary(busi_root):
    summary = check_busi_root(busi_root)
    assert summary['problems'] == [] and summary['warnings'] == []
    benign = summary['classes']['benign']
    assert (benign['images'], benign['masks'], benign['extra_masks']) == (4, 4,
                                                                          1)
    assert benign['modes'] == {'L': 1, 'RGB': 1, 'RGBA': 1, 'I;16': 1}
    assert benign['min_size'] == '24x24' and benign['max_size'] == '36x28'
    malignant = summary['classes']['malignant']
    assert (malignant['images'], malignant['extra_masks']) == (3, 2)
    assert malignant['modes'] == {'RGB': 1, 'LA': 1, 'P': 1}
    assert summary['classes']['normal']['images'] == 1


def test_busi_problems_and_warnings(busi_root):
    os.makedirs(osp.join(busi_root, 'cyst'))
    corrupt = osp.join(busi_root, 'malignant', 'malignant (1).png')
    with open(corrupt, 'wb') as f:
        f.write(b'garbage')
    os.remove(osp.join(busi_root, 'normal', 'normal (1)_mask.png'))
    summary = check_busi_root(busi_root)
    assert {(p.kind, p.path)
            for p in summary['problems']} == {
                ('unknown_label', osp.join(busi_root, 'cyst')),
                ('unreadable_file', corrupt),  # the header read catches it
            }
    assert [(w.kind, w.path) for w in summary['warnings']] == [
        ('missing_mask', osp.join(busi_root, 'normal', 'normal (1).png'))
    ]


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
