"""BUSV: layout, index and checks, errata and split variants, dataset."""
from .busv_dataset import BUSVDataset
from .index import BUSVIndex, BUSVVideo, index_busv_root
from .split_variants import SPLIT_VARIANTS, apply_split_variant
from .summary import check_busv_root, format_busv_summary

__all__ = [
    'BUSVDataset', 'BUSVIndex', 'BUSVVideo', 'SPLIT_VARIANTS',
    'apply_split_variant', 'check_busv_root', 'format_busv_summary',
    'index_busv_root'
]
