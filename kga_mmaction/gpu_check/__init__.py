"""``tools/gpu_check.py``: KGA-Net and the five baselines trained and
tested through the user's own tools on whatever device is there."""
from .configs import PAPER_CONFIGS, check_config
from .environment import describe, environment
from .report import markdown, write_report
from .runs import CheckSettings, check_model

__all__ = [
    'PAPER_CONFIGS', 'CheckSettings', 'check_config', 'check_model',
    'describe', 'environment', 'markdown', 'write_report'
]
