"""BUSV: layout, index and checks, errata and split variants, K-fold
cross-validation, dataset."""
from .busv_dataset import BUSVDataset
from .cross_validation import CrossValidation, apply_cross_validation
from .folds import (CROSS_VALIDATION_PARTS, cross_validation_parts,
                    stratified_folds, stratified_share)
from .index import BUSVIndex, BUSVVideo, index_busv_root
from .split_variants import SPLIT_VARIANTS, apply_split_variant
from .summary import check_busv_root, format_busv_summary

__all__ = [
    'BUSVDataset', 'BUSVIndex', 'CROSS_VALIDATION_PARTS', 'CrossValidation',
    'apply_cross_validation', 'cross_validation_parts', 'stratified_folds',
    'stratified_share', 'BUSVVideo', 'SPLIT_VARIANTS',
    'apply_split_variant', 'check_busv_root', 'format_busv_summary',
    'index_busv_root'
]
