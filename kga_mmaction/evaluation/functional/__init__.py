"""Pure functions behind the metrics and figures."""
from .bootstrap import bootstrap_ci
from .calibration import (ReliabilityBins, brier_score,
                          expected_calibration_error, reliability_bins)
from .correlation import pearson_r
from .delong import delong_test
from .frame_ranking import top_k_frames
from .frame_reweighting import (normalised_frame_weights, reweighted_log_odds,
                                reweighted_logits)
from .keyframe_localisation import top_k_overlap
from .log_odds import (positive_log_odds, positive_probabilities,
                       ranking_scores)
from .roc import (OperatingPoint, RocAnalysis, confusion_at,
                  rates_from_confusion, roc_analysis)

__all__ = [
    'OperatingPoint', 'ReliabilityBins', 'RocAnalysis', 'bootstrap_ci',
    'brier_score', 'confusion_at', 'delong_test',
    'expected_calibration_error', 'normalised_frame_weights', 'pearson_r',
    'positive_log_odds', 'positive_probabilities', 'ranking_scores',
    'rates_from_confusion', 'reliability_bins', 'reweighted_log_odds',
    'reweighted_logits', 'roc_analysis', 'top_k_frames', 'top_k_overlap'
]
