"""Evaluation: retrieval metrics, bootstrap intervals, contact sheets, plots and tables."""

from sbkit.evaluation.bootstrap import bootstrap_ci
from sbkit.evaluation.contact_sheet import SheetRow, contact_sheet, photo_sketch_grid
from sbkit.evaluation.metrics import per_group, per_query_values, rank_of_targets, retrieval_metrics, summarize
from sbkit.evaluation.plots import bar_chart, line_plot, recall_curve
from sbkit.evaluation.tables import markdown_table

__all__ = [
    "SheetRow",
    "bar_chart",
    "bootstrap_ci",
    "contact_sheet",
    "line_plot",
    "markdown_table",
    "per_group",
    "per_query_values",
    "photo_sketch_grid",
    "rank_of_targets",
    "recall_curve",
    "retrieval_metrics",
    "summarize",
]
