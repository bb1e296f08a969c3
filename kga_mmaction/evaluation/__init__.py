"""Metrics: benign/malignant diagnosis (AUC, Youden index) and dumps."""
from .binary_diagnosis_metric import (BinaryDiagnosisMetric, bootstrap_ci,
                                      confusion_at, diagnosis_statistics,
                                      rates_from_confusion, youden_threshold)
from .prediction_dump import DumpPredictions

__all__ = [
    'BinaryDiagnosisMetric', 'DumpPredictions', 'bootstrap_ci',
    'confusion_at', 'diagnosis_statistics', 'rates_from_confusion',
    'youden_threshold'
]
