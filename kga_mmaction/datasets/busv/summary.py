"""Summary of a BUSV root per split, variant and class, as
``tools/data/check_dataset.py`` prints it."""
import statistics
from collections import Counter
from typing import Dict, Sequence

from ...utils import text_table
from .index import index_busv_root
from .layout import BUSV_CLASSES, BUSV_SPLITS
from .split_variants import SPLIT_VARIANTS, apply_split_variant


def _frame_stats(counts: Sequence[int]) -> dict:
    if not counts:
        return dict(frames=0, min_frames=0, median_frames=0, max_frames=0)
    return dict(
        frames=sum(counts),
        min_frames=min(counts),
        median_frames=statistics.median(counts),
        max_frames=max(counts))


def check_busv_root(root: str, deep: bool = False) -> dict:
    """Check a BUSV root and summarise it per split, variant and class.

    Args:
        root (str): BUSV root (see :func:`index_busv_root`).
        deep (bool): Also decode every frame. Defaults to False.

    Returns:
        dict: ``root``, ``annotation_files`` (split -> JSON),
        ``splits`` (split -> variant -> class -> ``videos``, ``frames``,
        ``min_frames``, ``median_frames``, ``max_frames``, ``sizes``: a
        ``{'WxH': videos}`` dict), ``variant_changes`` (variant -> what the
        variant changed, see
        :func:`~.split_variants.apply_split_variant`),
        ``problems`` and ``warnings`` (lists of
        :class:`~kga_mmaction.datasets.problems.Problem`).

    Raises:
        FileNotFoundError: If ``root``, ``rawframes/`` or a JSON is missing.
        ValueError: If a JSON is not a readable CocoVID file.
    """
    index = index_busv_root(root, deep=deep)
    by_name = {video.name: video for video in index.videos}
    splits: Dict[str, dict] = {split: {} for split in BUSV_SPLITS}
    variant_changes = {}
    for variant in SPLIT_VARIANTS:
        kept, changes = apply_split_variant(
            [dict(name=v.name, class_name=v.class_name) for v in index.videos],
            variant)
        variant_changes[variant] = changes
        for split in BUSV_SPLITS:
            per_class = {}
            for label, class_name in enumerate(BUSV_CLASSES):
                videos = [
                    by_name[item['name']] for item in kept
                    if item['label'] == label
                    and by_name[item['name']].split == split
                ]
                stats = dict(videos=len(videos))
                stats.update(_frame_stats([v.total_frames for v in videos]))
                stats['sizes'] = dict(
                    Counter(f'{v.width}x{v.height}'
                            for v in videos).most_common())
                per_class[class_name] = stats
            splits[split][variant] = per_class
    return dict(
        root=index.root,
        annotation_files=index.annotation_files,
        splits=splits,
        variant_changes=variant_changes,
        problems=index.problems,
        warnings=index.warnings)


_CHANGE_LABELS = dict(
    dropped_duplicate='dropped (duplicate)',
    dropped_leaking='dropped (leaking)',
    relabelled='relabelled malignant',
    not_found='errata videos absent from this root')


def format_busv_summary(summary: dict) -> str:
    """Render :func:`check_busv_root`'s summary as a text table."""
    header = ('split', 'variant', 'class', 'videos', 'frames', 'min', 'median',
              'max', 'sizes (WxH: videos)')
    rows = []
    for split, variants in summary['splits'].items():
        for variant, per_class in variants.items():
            for class_name, s in per_class.items():
                sizes = ', '.join(f'{size}: {n}'
                                  for size, n in s['sizes'].items()) or '-'
                rows.append((split, variant, class_name, s['videos'],
                             s['frames'], s['min_frames'], s['median_frames'],
                             s['max_frames'], sizes))
    lines = [f'BUSV {summary["root"]}']
    for split, path in summary['annotation_files'].items():
        lines.append(f'  {split} annotations: {path}')
    lines.append(text_table(header, rows))
    for variant, changes in summary['variant_changes'].items():
        for what, names in changes.items():
            if names:
                lines.append(f'  {variant} variant, '
                             f'{_CHANGE_LABELS.get(what, what)}: '
                             f'{", ".join(names)}')
    return '\n'.join(lines)
