"""Tables and figures of results (SPEC 3.7)."""

from .tables import (
    FIGURE_STYLE,
    FORMATS,
    advantage_heatmap,
    best_response_curves,
    best_responses,
    deception_advantage,
    render,
    results_table,
    save_figure,
    to_csv,
    to_json,
    to_latex,
    to_markdown,
    value_curves,
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
