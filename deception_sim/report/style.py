"""One look for every figure of the package: sizes, dpi, fonts, colours, labels and ticks.

Every figure here, the library's and the analyses', is drawn in
:func:`styled` (the rcParams of :data:`FIGURE_STYLE`) on a figure from
:func:`new_figure`, so that they share one size scheme, one dpi, one font
and one colour-blind-safe palette (Okabe and Ito's), and PDFs embed
TrueType fonts (``pdf.fonttype`` 42: many venues reject Type 3 fonts).
Axes are labelled with names, never reprs (:func:`label`,
:func:`axis_name`), and an axis of whole numbers gets whole-number ticks
(:func:`integer_ticks`).

>>> label("Greedy()"), label("Optimal(known_phase)"), label("Plan('BBAAA')")
('Greedy', 'Optimal (known phase)', 'Plan BBAAA')
>>> axis_name("train"), axis_name("expected_updates")
('training length T', 'expected updates')
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure

PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow (last: faint on white)
)
"""Okabe and Ito's colour-blind-safe palette: the colour cycle of every figure."""

COLORMAP = "viridis"
"""The colour map of heatmaps (perceptually uniform, colour-blind-safe, prints in grey)."""

DPI = 150
"""Dots per inch of PNG files (PDFs are vector)."""

SIZES: dict[str, tuple[float, float]] = {
    "column": (3.4, 2.6),
    "single": (5.4, 3.6),
    "square": (5.4, 4.2),
    "tall": (5.8, 5.4),
    "wide": (11.0, 3.6),
}
"""Figure sizes in inches: ``column`` fits one column of a two-column paper, ``wide`` a page."""

FIGURE_STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "figure.titlesize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 1.6,
    "image.cmap": COLORMAP,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.fonttype": "path",
    "svg.hashsalt": "deception_sim",
    "legend.frameon": False,
}
"""rcParams of every figure here (fixed, so a figure does not depend on the user's rc).

The colour cycle (:data:`PALETTE`) is added by :func:`styled`.
"""

SAVE_METADATA = {
    ".png": {"Software": None},
    ".pdf": {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None},
    ".svg": {"Date": None, "Creator": None},
}
"""Metadata that would differ between runs (dates, versions), left out of every file."""

AXIS_NAMES = {
    "train": "training length T",
    "deploy": "deployment length D",
    "horizon": "horizon N",
    "honeypot_rate": "honeypot rate h",
    "cue_accuracy": "cue accuracy q",
    "mesa": "mesa payoff (expected apples)",
    "base": "base payoff",
    "harm": "harm (successful unoverseen defections)",
    "policy": "policy",
}
"""How an axis names a column of a table (other columns: underscores become spaces)."""

DASHES = ("-", "--", ":", "-.")


def line_style(i: int) -> dict[str, Any]:
    """Colour and dash of the i-th line: lines that coincide stay visible."""
    return {
        "color": PALETTE[i % len(PALETTE)],
        "linestyle": DASHES[i % len(DASHES)],
        "linewidth": 1.6,
    }


def axis_name(column: str) -> str:
    """The axis label of a table's column."""
    return AXIS_NAMES.get(column, str(column).replace("_", " "))


_CALL = re.compile(r"^([A-Za-z_]\w*)\((.*)\)$", re.DOTALL)


def label(name: object) -> str:
    """A readable name for a legend or a tick: ``Greedy()`` -> ``Greedy``.

    A policy's repr (``Name(arguments)``) loses its brackets and quotes;
    anything else is shown as it is.
    """
    text = str(name)
    match = _CALL.match(text)
    if match is None:
        return text
    head, arguments = match.groups()
    arguments = arguments.replace("'", "").replace('"', "").replace("_", " ").strip()
    if not arguments:
        return head
    if head == "Plan":
        return f"Plan {arguments}"
    return f"{head} ({arguments})"


def styled() -> AbstractContextManager[None]:
    """A context in which matplotlib draws in the package's style (:data:`FIGURE_STYLE`)."""
    import matplotlib
    from cycler import cycler

    style = {**FIGURE_STYLE, "axes.prop_cycle": cycler(color=list(PALETTE))}
    return matplotlib.rc_context(style)  # type: ignore[arg-type]


def new_figure(size: str | tuple[float, float] = "single", **options: Any) -> Figure:
    """An empty figure of a named size (:data:`SIZES`) with constrained layout.

    It is a ``matplotlib.figure.Figure`` (no pyplot state) that shows itself
    as a PNG in Jupyter, with or without ``%matplotlib inline``. Draw into
    it inside :func:`styled`.
    """
    from .display import DisplayFigure

    figsize = SIZES[size] if isinstance(size, str) else size
    options.setdefault("layout", "constrained")
    return DisplayFigure(figsize=figsize, **options)


def integer_ticks(axis: Axis) -> None:
    """Ticks at whole numbers only (for an axis of counts or lengths)."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def is_integer(values: Any) -> bool:
    """Whether a column holds whole numbers by type (its axis gets :func:`integer_ticks`)."""
    import numpy as np

    return np.asarray(values).dtype.kind in "iu"
