"""One look for every figure of the package: rcParams, axis names and line styles."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

FIGURE_STYLE: dict[str, Any] = {
    "font.size": 9,
    "axes.titlesize": 10,
    "svg.hashsalt": "deception_sim",
}
"""rcParams of every figure here (fixed, so a figure does not depend on the user's rc)."""

SAVE_METADATA = {
    ".png": {"Software": None},
    ".pdf": {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None},
    ".svg": {"Date": None, "Creator": None},
}

AXIS_NAMES = {
    "train": "training length T",
    "deploy": "deployment length D",
    "honeypot_rate": "honeypot rate h",
    "cue_accuracy": "cue accuracy q",
    "mesa": "mesa payoff (expected apples)",
    "base": "base payoff",
    "harm": "harm (successful unoverseen defections)",
}


DASHES = ("-", "--", ":", "-.")


def line_style(i: int) -> dict[str, Any]:
    """Colour and dash of the i-th line: lines that coincide stay visible."""
    return {"color": f"C{i % 10}", "linestyle": DASHES[i % len(DASHES)], "linewidth": 1.6}


def axis_name(column: str) -> str:
    return AXIS_NAMES.get(column, column.replace("_", " "))


def styled() -> AbstractContextManager[None]:
    """A context in which matplotlib draws in the package's style (:data:`FIGURE_STYLE`)."""
    import matplotlib

    return matplotlib.rc_context(FIGURE_STYLE)  # type: ignore[arg-type]
