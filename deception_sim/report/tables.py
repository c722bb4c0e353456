"""Tables: results as tidy DataFrames, and as Markdown, CSV, JSON or LaTeX text.

A table has one row per (model, strategy) and one column per measure (named
in :mod:`deception_sim.model.measures`), with the model's parameters as
columns too, so that ``groupby`` and ``pivot`` work. The text forms are
deterministic (fixed float formatting), so a table regenerated from the same
inputs is the same file byte for byte.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from .. import _validate

if TYPE_CHECKING:  # pandas is imported where a table is made: the CLI's --help needs none
    import pandas as pd

FORMATS: tuple[str, ...] = ("markdown", "csv", "json", "latex")


class _Summarized(Protocol):
    def summary(self) -> Mapping[str, object]: ...  # pragma: no cover


def results_table(results: Iterable[_Summarized]) -> pd.DataFrame:
    """One row per result (exact or Monte Carlo), from each result's ``summary()``.

    >>> from deception_sim import Greedy, Schedule, evaluate
    >>> results_table([evaluate(Greedy(), Schedule.fixed(2, 3))])[["policy", "mesa", "base"]]
         policy  mesa  base
    0  Greedy()   1.0   4.0
    """
    import pandas as pd

    if isinstance(results, (str, bytes)) or not isinstance(results, Iterable):
        raise ValueError(f"results must be a sequence of results, got {type(results).__name__}")
    try:
        given = list(results)
    except TypeError:  # an iterable that cannot be iterated (a 0-d array)
        raise ValueError(f"results must be a sequence of results, got {results!r}") from None
    rows = []
    for result in given:
        summary = getattr(result, "summary", None)
        if not callable(summary):
            raise ValueError(
                "results must be Result, SimulationResult or Solution objects (anything with "
                f"summary()), got {type(result).__name__}"
            )
        rows.append(summary())
    return pd.DataFrame(rows)


def _table(table: object) -> pd.DataFrame:
    """``table`` if it is a DataFrame; ``ValueError`` naming the argument otherwise."""
    import pandas as pd

    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    return table


def _cell(value: object, digits: int) -> str:
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return "nan"
        text = f"{float(value):.{digits}g}"
        return "0" if text == "-0" else text
    return str(value)


def _numeric(column: pd.Series) -> bool:
    from pandas.api.types import is_numeric_dtype

    return bool(is_numeric_dtype(column))


def to_markdown(table: pd.DataFrame, *, digits: int = 6, index: bool = False) -> str:
    """A GitHub-flavoured Markdown table; numbers right-aligned, ``digits`` significant.

    >>> import pandas as pd
    >>> print(to_markdown(pd.DataFrame({"plan": ["BBAAA"], "mesa": [3.0]})), end="")
    | plan  | mesa |
    |:------|-----:|
    | BBAAA |    3 |
    """
    frame = table.reset_index() if index else table
    headers = [str(column) for column in frame.columns]
    rows = [[_cell(value, digits) for value in row] for row in frame.itertuples(index=False)]
    numeric = [_numeric(frame[column]) for column in frame.columns]
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
    """The table as text in ``fmt``: ``"markdown"``, ``"csv"``, ``"json"`` or ``"latex"``.

    >>> import pandas as pd
    >>> print(render(pd.DataFrame({"plan": ["BBAAA"], "mesa": [3.0]}), "csv"), end="")
    plan,mesa
    BBAAA,3
    """
    fmt = _validate.choice("format", fmt, FORMATS)
    table = _table(table)
    if fmt == "markdown":
        return to_markdown(table)
    if fmt == "csv":
        return to_csv(table)
    if fmt == "latex":
        return to_latex(table)
    return to_json(table)


# ---------------------------------------------------------------------------- LaTeX
_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def _latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(char, char) for char in text)


def to_latex(
    table: pd.DataFrame,
    *,
    digits: int = 6,
    index: bool = False,
    caption: str | None = None,
    label: str | None = None,
) -> str:
    """A booktabs ``tabular`` (``\\toprule``, ``\\midrule``, ``\\bottomrule``).

    Numbers are right-aligned with ``digits`` significant digits, text is
    left-aligned and escaped. With a ``caption`` or ``label`` the tabular is
    wrapped in a ``table`` float. Needs ``\\usepackage{booktabs}``; written
    here rather than by ``pandas.DataFrame.to_latex``, which needs jinja2.

    >>> import pandas as pd
    >>> print(to_latex(pd.DataFrame({"plan": ["B_A"], "mesa": [3.0]})), end="")
    \\begin{tabular}{lr}
    \\toprule
    plan & mesa \\\\
    \\midrule
    B\\_A &    3 \\\\
    \\bottomrule
    \\end{tabular}
    """
    frame = table.reset_index() if index else table
    headers = [_latex_escape(str(column)) for column in frame.columns]
    rows = [
        [_latex_escape(_cell(value, digits)) for value in row]
        for row in frame.itertuples(index=False)
    ]
    numeric = [_numeric(frame[column]) for column in frame.columns]
    widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        padded = [
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(cells, widths, numeric, strict=True)
        ]
        return " & ".join(padded).rstrip() + r" \\"

    spec = "".join("r" if right else "l" for right in numeric)
    out = [rf"\begin{{tabular}}{{{spec}}}", r"\toprule", line(headers), r"\midrule"]
    out.extend(line(row) for row in rows)
    out += [r"\bottomrule", r"\end{tabular}"]
    if caption is not None or label is not None:
        inner = ["  " + text for text in out]
        out = [r"\begin{table}", r"  \centering", *inner]
        if caption is not None:
            out.append(rf"  \caption{{{_latex_escape(caption)}}}")
        if label is not None:
            out.append(rf"  \label{{{label}}}")
        out.append(r"\end{table}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------- files
def write_table(
    table: pd.DataFrame, path: str | Path, *, caption: str, digits: int = 6
) -> list[Path]:
    """Write ``table`` as ``PATH.md``, ``PATH.csv`` and ``PATH.tex``; return the three paths.

    ``path`` is the files' path without a suffix. The Markdown file starts
    with ``Table: CAPTION`` (pandoc's caption line) and a blank line; the
    LaTeX file is a ``table`` float with the caption and the label
    ``tab:NAME``; the CSV has the numbers at full precision. State the
    parameters in the caption: the files then say what produced them.

    >>> import tempfile
    >>> import pandas as pd
    >>> folder = Path(tempfile.mkdtemp())
    >>> frame = pd.DataFrame({"plan": ["BBAAA"], "mesa": [3.0]})
    >>> [p.name for p in write_table(frame, folder / "plans", caption="Apples, T = 2, D = 3.")]
    ['plans.md', 'plans.csv', 'plans.tex']
    >>> print((folder / "plans.md").read_text(), end="")
    Table: Apples, T = 2, D = 3.
    <BLANKLINE>
    | plan  | mesa |
    |:------|-----:|
    | BBAAA |    3 |
    """
    base = Path(path)
    markdown = base.with_name(base.name + ".md")
    csv = base.with_name(base.name + ".csv")
    latex = base.with_name(base.name + ".tex")
    markdown.write_text(f"Table: {caption}\n\n" + to_markdown(table, digits=digits))
    csv.write_text(to_csv(table))
    latex.write_text(to_latex(table, digits=digits, caption=caption, label=f"tab:{base.name}"))
    return [markdown, csv, latex]
