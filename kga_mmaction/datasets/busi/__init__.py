"""BUSI: layout, index and checks, dataset."""
from .busi_dataset import BUSIDataset
from .index import BUSIImage, BUSIIndex, index_busi_root
from .summary import check_busi_root, format_busi_summary

__all__ = [
    'BUSIDataset', 'BUSIImage', 'BUSIIndex', 'check_busi_root',
    'format_busi_summary', 'index_busi_root'
]
