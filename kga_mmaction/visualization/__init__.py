"""Figures of the paper's analysis: attention strips, attention vs.
distance, ROC and feature projections; and the reliability diagram."""
from .attention_figures import (FIGURE_FORMATS, figure_format,
                                plot_attention_strip,
                                plot_feature_projection, plot_roc,
                                plot_weight_vs_distance, project_2d,
                                roc_summary, save_figure, strip_selection)
from .reliability_diagram import plot_reliability

__all__ = [
    'FIGURE_FORMATS', 'figure_format', 'plot_attention_strip',
    'plot_feature_projection', 'plot_reliability', 'plot_roc',
    'plot_weight_vs_distance', 'project_2d', 'roc_summary', 'save_figure',
    'strip_selection'
]
