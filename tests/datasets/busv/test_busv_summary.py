"""check_busv_root: the BUSV summary and every problem kind of the index."""
import os
import os.path as osp

from kga_mmaction.datasets.busv import check_busv_root, format_busv_summary


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
    mini.write_busv_frames(osp.dirname(resized), [0], 40, 40)

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
