"""Metrics: benign/malignant diagnosis (AUC, Youden index), attention vs.
center distance, and prediction dumps."""
from .attention_distance_metric import AttentionDistanceMetric
from .binary_diagnosis_metric import (BinaryDiagnosisMetric, bootstrap_ci,
                                      confusion_at, diagnosis_statistics,
                                      positive_log_odds,
                                      rates_from_confusion, youden_threshold)
from .prediction_dump import DumpPredictions

__all__ = [
    'AttentionDistanceMetric', 'BinaryDiagnosisMetric', 'DumpPredictions',
    'bootstrap_ci', 'confusion_at', 'diagnosis_statistics',
    'positive_log_odds', 'rates_from_confusion', 'youden_threshold'
]
