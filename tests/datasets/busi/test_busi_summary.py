"""check_busi_root: the BUSI summary, problems and warnings."""
import os
import os.path as osp

from kga_mmaction.datasets.busi import check_busi_root


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
