"""apply_split_variant: the BUSV errata as the clean variant applies them."""
from kga_mmaction.datasets.busv.split_variants import (
    BUSV_RELABEL_TO_MALIGNANT, apply_split_variant)


def test_apply_split_variant_reports_changes():
    videos = [
        dict(name=n, class_name=n.split('/')[0])
        for n in ('benign/x66ef02e7f1b9a0ef', 'benign/x63c9ba1377f35bf6',
                  'benign/aaaa', 'malignant/3f88a121e5e77ebe')
    ]
    kept, changes = apply_split_variant(videos, 'official')
    assert [k['label'] for k in kept] == [0, 0, 0, 1]
    assert not any(changes.values())
    kept, changes = apply_split_variant(videos, 'clean')
    assert [(k['name'], k['label'])
            for k in kept] == [('benign/x63c9ba1377f35bf6', 1),
                               ('benign/aaaa', 0)]
    assert changes['dropped_duplicate'] == ['benign/x66ef02e7f1b9a0ef']
    assert changes['dropped_leaking'] == ['malignant/3f88a121e5e77ebe']
    assert changes['relabelled'] == ['benign/x63c9ba1377f35bf6']
    assert 'benign/x5a1c46ec6377e946' in changes['not_found']
    assert set(BUSV_RELABEL_TO_MALIGNANT) == {
        'benign/x63c9ba1377f35bf6', 'benign/x5a1c46ec6377e946'
    }
