"""Tables: results as tidy DataFrames and as Markdown, CSV or JSON text.

A table has one row per (model, strategy) and one column per measure, with
the model's parameters as columns too, so that ``groupby`` and ``pivot`` work.
The text forms are deterministic (fixed float formatting), so a table
regenerated from the same inputs is the same file byte for byte.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from . import _validate

FORMATS: tuple[str, ...] = ("markdown", "csv", "json")


def results_table(results: Iterable[object]) -> pd.DataFrame:
    """One row per result (exact or Monte Carlo), from each result's ``summary()``.

    >>> from deception_sim import Greedy, Schedule, evaluate
    >>> results_table([evaluate(Greedy(), Schedule.fixed(2, 3))])[["policy", "mesa", "base"]]
         policy  mesa  base
    0  Greedy()   1.0   4.0
    """
    return pd.DataFrame([result.summary() for result in results])


def _cell(value: object, digits: int) -> str:
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return "nan"
        text = f"{float(value):.{digits}g}"
        return "0" if text == "-0" else text
    return str(value)


def to_markdown(table: pd.DataFrame, *, digits: int = 6, index: bool = False) -> str:
    """A GitHub-flavoured Markdown table; numbers right-aligned, ``digits`` significant.

    >>> print(to_markdown(pd.DataFrame({"plan": ["BBAAA"], "mesa": [3.0]})), end="")
    | plan  | mesa |
    |:------|-----:|
    | BBAAA |    3 |
    """
    frame = table.reset_index() if index else table
    headers = [str(column) for column in frame.columns]
    rows = [[_cell(value, digits) for value in row] for row in frame.itertuples(index=False)]
    numeric = [pd.api.types.is_numeric_dtype(frame[column]) for column in frame.columns]
    widths = [
        max([len(header), 3] + [len(row[i]) for row in rows]) for i, header in enumerate(headers)
    ]

    def line(cells: list[str]) -> str:
        padded = [
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(cells, widths, numeric, strict=True)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = [
        "-" * (width + 1) + ":" if right else ":" + "-" * (width + 1)
        for width, right in zip(widths, numeric, strict=True)
    ]
    out = [line(headers), "|" + "|".join(rule) + "|"]
    out.extend(line(row) for row in rows)
    return "\n".join(out) + "\n"


def to_csv(table: pd.DataFrame, *, digits: int = 12) -> str:
    """CSV with ``digits`` significant digits (stable across runs and platforms)."""
    return table.to_csv(index=False, float_format=f"%.{digits}g", lineterminator="\n")


def to_json(table: pd.DataFrame) -> str:
    """JSON records, one object per row; NaN becomes ``null``."""
    records = json.loads(table.to_json(orient="records", double_precision=15))
    return json.dumps(records, indent=2) + "\n"


def render(table: pd.DataFrame, fmt: str = "markdown") -> str:
    """The table as text in ``fmt``: ``"markdown"``, ``"csv"`` or ``"json"``.

    >>> print(render(pd.DataFrame({"plan": ["BBAAA"], "mesa": [3.0]}), "csv"), end="")
    plan,mesa
    BBAAA,3
    """
    fmt = _validate.choice("format", fmt, FORMATS)
    if fmt == "markdown":
        return to_markdown(table)
    if fmt == "csv":
        return to_csv(table)
    return to_json(table)
