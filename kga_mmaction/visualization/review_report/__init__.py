"""The static case-review report (``tools/analysis/review_report.py``)."""
from .report import ReviewedVideo, reviewed_videos, write_review_report

__all__ = ['ReviewedVideo', 'reviewed_videos', 'write_review_report']
