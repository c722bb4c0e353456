"""Reporting (SPEC 3.7): tables as text in several formats, and figures.

:mod:`~deception_sim.report.tables` writes tables, :mod:`~deception_sim.report.figures`
draws figures in the one look of :mod:`~deception_sim.report.style`.
"""

from .figures import (
    advantage_heatmap,
    best_response_curves,
    best_responses,
    deception_advantage,
    save_figure,
    value_curves,
)
from .style import FIGURE_STYLE
from .tables import (
    FORMATS,
    render,
    results_table,
    to_csv,
    to_json,
    to_latex,
    to_markdown,
)

__all__ = [
    "FIGURE_STYLE",
    "FORMATS",
    "advantage_heatmap",
    "best_response_curves",
    "best_responses",
    "deception_advantage",
    "render",
    "results_table",
    "save_figure",
    "to_csv",
    "to_json",
    "to_latex",
    "to_markdown",
    "value_curves",
]
