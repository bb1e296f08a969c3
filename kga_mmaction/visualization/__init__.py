"""Figures of the paper's analysis: attention strips and curves, attention
vs. distance, ROC and feature projections; the reliability diagram; and
the static case-review report of a test set."""
from .attention_figures import (FIGURE_FORMATS, figure_format,
                                figure_to_image,
                                plot_attention_curve, plot_attention_strip,
                                plot_feature_projection, plot_roc,
                                plot_weight_vs_distance, project_2d,
                                roc_summary, save_figure, strip_selection)
from .diagnosis_figures import (PositiveScores, positive_scores,
                                reliability_figure, roc_figure)
from .reliability_diagram import plot_reliability
from .review_report import write_review_report

__all__ = [
    'FIGURE_FORMATS', 'PositiveScores', 'figure_format', 'figure_to_image',
    'plot_attention_curve', 'plot_attention_strip',
    'plot_feature_projection', 'plot_reliability', 'plot_roc',
    'plot_weight_vs_distance', 'positive_scores', 'project_2d',
    'reliability_figure', 'roc_figure', 'roc_summary', 'save_figure',
    'strip_selection', 'write_review_report'
]
