"""Reporting (SPEC 3.7): tables as text in several formats, and figures.

:mod:`~deception_sim.report.tables` writes tables, :mod:`~deception_sim.report.figures`
draws figures in the one look of :mod:`~deception_sim.report.style`. The
names below are imported on first use, so that the command line can name
:data:`FORMATS` without importing pandas or matplotlib.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .figures import (
        advantage_heatmap,
        best_response_curves,
        best_responses,
        deception_advantage,
        save_figure,
        value_curves,
    )
    from .style import FIGURE_STYLE, PALETTE, label, new_figure, styled
    from .tables import (
        FORMATS,
        render,
        results_table,
        to_csv,
        to_json,
        to_latex,
        to_markdown,
        write_table,
    )

_EXPORTS: dict[str, str] = {
    "FIGURE_STYLE": ".style",
    "FORMATS": ".tables",
    "PALETTE": ".style",
    "advantage_heatmap": ".figures",
    "best_response_curves": ".figures",
    "best_responses": ".figures",
    "deception_advantage": ".figures",
    "label": ".style",
    "new_figure": ".style",
    "render": ".tables",
    "results_table": ".tables",
    "save_figure": ".figures",
    "styled": ".style",
    "to_csv": ".tables",
    "to_json": ".tables",
    "to_latex": ".tables",
    "to_markdown": ".tables",
    "value_curves": ".figures",
    "write_table": ".tables",
}

__all__ = [
    "FIGURE_STYLE",
    "FORMATS",
    "PALETTE",
    "advantage_heatmap",
    "best_response_curves",
    "best_responses",
    "deception_advantage",
    "label",
    "new_figure",
    "render",
    "results_table",
    "save_figure",
    "styled",
    "to_csv",
    "to_json",
    "to_latex",
    "to_markdown",
    "value_curves",
    "write_table",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
