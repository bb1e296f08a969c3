"""BUSV errata and the split variants built on them.

``split_variant='official'`` keeps the videos and labels as released;
``'clean'`` applies the known errata and removes leaking videos (see
:data:`BUSV_DUPLICATES`, :data:`BUSV_RELABEL_TO_MALIGNANT` and
:data:`BUSV_LEAKING`).
"""
from typing import Dict, List, Mapping, Sequence, Tuple

from .layout import BUSV_CLASSES

SPLIT_VARIANTS = ('official', 'clean')

#: Videos dropped by the clean variant because they duplicate another video.
#: Source: BUSV dataset README, errata of 2023-03-25 (no corrected archive
#: was released).
BUSV_DUPLICATES: Dict[str, str] = {
    'benign/x66ef02e7f1b9a0ef':
    'duplicate of malignant/x3b88488853e8b7d1 (BUSV README errata, '
    '2023-03-25)',
}

#: Videos released under ``benign/`` that the clean variant labels
#: malignant. Source: BUSV dataset README, errata of 2023-03-25.
BUSV_RELABEL_TO_MALIGNANT: Dict[str, str] = {
    'benign/x63c9ba1377f35bf6': 'malignant per BUSV README errata, 2023-03-25',
    'benign/x5a1c46ec6377e946': 'malignant per BUSV README errata, 2023-03-25',
}

#: Videos the clean variant removes because they share pixel-identical
#: frames with another video (train/val leakage or cross-class duplicates).
#: Sources: upstream issues of the CVA-Net repository that released BUSV,
#: jhl-Det/CVA-Net #12 (the train/val pair) and #27 (10 cross-class
#: directory pairs found by MD5 of frames; the one pair listed here is the
#: example given in that issue).
BUSV_LEAKING: Dict[str, str] = {
    'benign/x1282311c38f808f':
    'train video sharing 106 pixel-identical frames with val '
    'malignant/x9c1c965d274c457 (jhl-Det/CVA-Net #12)',
    'benign/786ebd9dada09453':
    'identical frames in malignant/3f88a121e5e77ebe (jhl-Det/CVA-Net #27)',
    'malignant/3f88a121e5e77ebe':
    'identical frames in benign/786ebd9dada09453 (jhl-Det/CVA-Net #27)',
}


def apply_split_variant(
        videos: Sequence[Mapping],
        variant: str) -> Tuple[List[dict], Dict[str, List[str]]]:
    """Select and label BUSV videos for a split variant.

    Args:
        videos (Sequence[Mapping]): Items with ``name``
            (``'<class>/<video_id>'``) and ``class_name`` (as released);
            other keys are kept.
        variant (str): ``'official'`` (as released) or ``'clean'`` (drops
            :data:`BUSV_DUPLICATES` and :data:`BUSV_LEAKING`, relabels
            :data:`BUSV_RELABEL_TO_MALIGNANT`).

    Returns:
        tuple: The kept items, each a copy with ``label`` (index into
        ``('benign', 'malignant')``) added, and a dict ``dropped_duplicate``,
        ``dropped_leaking``, ``relabelled``, ``not_found`` (errata entries
        absent from ``videos``) of video names; all empty for
        ``'official'``.

    Raises:
        ValueError: If ``variant`` is unknown.
    """
    if variant not in SPLIT_VARIANTS:
        raise ValueError(f'unknown BUSV split_variant {variant!r}; expected '
                         f'one of {", ".join(SPLIT_VARIANTS)}')
    changes = dict(
        dropped_duplicate=[], dropped_leaking=[], relabelled=[], not_found=[])
    kept = []
    clean = variant == 'clean'
    for video in videos:
        item = dict(video)
        name = item['name']
        class_name = item['class_name']
        if clean and name in BUSV_DUPLICATES:
            changes['dropped_duplicate'].append(name)
            continue
        if clean and name in BUSV_LEAKING:
            changes['dropped_leaking'].append(name)
            continue
        if clean and name in BUSV_RELABEL_TO_MALIGNANT:
            changes['relabelled'].append(name)
            class_name = 'malignant'
        item['label'] = BUSV_CLASSES.index(class_name)
        kept.append(item)
    if clean:
        seen = {video['name'] for video in videos}
        changes['not_found'] = sorted(
            name for name in (*BUSV_DUPLICATES, *BUSV_LEAKING,
                              *BUSV_RELABEL_TO_MALIGNANT) if name not in seen)
    return kept, changes
