"""Metrics: benign/malignant diagnosis (AUC, Youden index), attention vs.
center distance, attention vs. lesion area (keyframe localisation), and
prediction dumps, which the analysis tools read back, pool over
cross-validation folds, pair between models and rescore with the
lesion-area oracle's frame weights.
The math behind them is in :mod:`kga_mmaction.evaluation.functional`."""
from .attention_distance_metric import AttentionDistanceMetric
from .binary_diagnosis_metric import BinaryDiagnosisMetric
from .keyframe_localisation_metric import KeyframeLocalisationMetric
from .lesion_area_oracle import lesion_area_oracle, load_lesion_area_oracle
from .paired_predictions import (paired_scores, pool_predictions,
                                 ranked_scores)
from .prediction_dump import DumpPredictions
from .prediction_reader import (evaluate_predictions, load_predictions,
                                read_prediction_frames, select_predictions)
from .video_prediction import NonFiniteScoreError, VideoPrediction

__all__ = [
    'AttentionDistanceMetric', 'BinaryDiagnosisMetric', 'DumpPredictions',
    'KeyframeLocalisationMetric', 'NonFiniteScoreError', 'VideoPrediction',
    'evaluate_predictions', 'lesion_area_oracle', 'load_lesion_area_oracle',
    'load_predictions', 'paired_scores', 'pool_predictions', 'ranked_scores',
    'read_prediction_frames', 'select_predictions'
]
