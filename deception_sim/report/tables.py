"""Tables and figures: results as tidy DataFrames, as Markdown, CSV, JSON or LaTeX text,
and as matplotlib figures (deception-advantage heatmaps, value and best-response curves).

A table has one row per (model, strategy) and one column per measure, with
the model's parameters as columns too, so that ``groupby`` and ``pivot`` work.
The text forms are deterministic (fixed float formatting), and figures are
saved without dates or versions, so a table or figure regenerated from the
same inputs is the same file byte for byte.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from .. import _validate

FORMATS: tuple[str, ...] = ("markdown", "csv", "json", "latex")


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
    """The table as text in ``fmt``: ``"markdown"``, ``"csv"``, ``"json"`` or ``"latex"``.

    >>> print(render(pd.DataFrame({"plan": ["BBAAA"], "mesa": [3.0]}), "csv"), end="")
    plan,mesa
    BBAAA,3
    """
    fmt = _validate.choice("format", fmt, FORMATS)
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
    numeric = [pd.api.types.is_numeric_dtype(frame[column]) for column in frame.columns]
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


# ---------------------------------------------------------------------------- figures
# matplotlib is imported inside these functions: the core package does not need it.
# Figures are matplotlib.figure.Figure objects, not pyplot figures, so no global state
# is touched; save_figure renders them with Agg (PNG) and the PDF backend.

FIGURE_STYLE = {"font.size": 9, "axes.titlesize": 10, "svg.hashsalt": "deception_sim"}
"""rcParams of every figure here (fixed, so a figure does not depend on the user's rc)."""

_SAVE_METADATA = {
    ".png": {"Software": None},
    ".pdf": {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None},
    ".svg": {"Date": None, "Creator": None},
}

_NAMES = {
    "train": "training length T",
    "deploy": "deployment length D",
    "honeypot_rate": "honeypot rate h",
    "cue_accuracy": "cue accuracy q",
    "mesa": "mesa payoff (expected apples)",
    "base": "base payoff",
    "harm": "harm (successful unoverseen defections)",
}


_DASHES = ("-", "--", ":", "-.")


def _style(i: int) -> dict[str, object]:
    """Colour and dash of the i-th line: lines that coincide stay visible."""
    return {"color": f"C{i % 10}", "linestyle": _DASHES[i % len(_DASHES)], "linewidth": 1.6}


def _axis_name(column: str) -> str:
    return _NAMES.get(column, column.replace("_", " "))


def save_figure(figure: object, *paths: str | Path, dpi: int = 150) -> list[Path]:
    """Save a figure to each path (``.png``, ``.pdf`` or ``.svg``), byte-for-byte reproducibly.

    The files carry no creation date or software version, so the same figure
    saved twice gives the same bytes. Returns the paths written.
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    written = []
    for given in paths:
        path = Path(given)
        suffix = path.suffix.lower()
        if suffix not in _SAVE_METADATA:
            raise ValueError(f"figure path must end in .png, .pdf or .svg, got {str(path)!r}")
        FigureCanvasAgg(figure)  # the Agg canvas, whatever pyplot's backend is
        with matplotlib.rc_context(FIGURE_STYLE):
            figure.savefig(path, dpi=dpi, metadata=_SAVE_METADATA[suffix])
        written.append(path)
    return written


_MEASURES = {
    "policy", "schedule", "update", "mesa", "base", "harm", "p_intact", "expected_updates",
    "p_defect", "expected_first_defection", "runs", "value", "rule", "method",
}


def _only(table: pd.DataFrame, keep: Iterable[str], *, what: str) -> None:
    """Refuse a table in which a column outside ``keep`` varies (a figure shows one slice)."""
    kept = set(keep)
    varying = [
        column
        for column in table.columns
        if column not in kept
        and column not in _MEASURES
        and not str(column).endswith("_se")
        and table[column].nunique(dropna=False) > 1
    ]
    if varying:
        raise ValueError(
            f"{what}: column {varying[0]!r} takes several values; select one first "
            f"(e.g. table[table[{varying[0]!r}] == value])"
        )


def deception_advantage(
    table: pd.DataFrame,
    *,
    best: str | None = None,
    baseline: str = "Greedy()",
    rows: str = "train",
    columns: str = "deploy",
    value: str = "mesa",
) -> pd.DataFrame:
    """``best`` minus ``baseline`` payoff, pivoted: a row per ``rows``, a column per ``columns``.

    ``table`` is a sweep's result (one row per parameter point and policy);
    ``best`` defaults to the table's optimal policy (``Optimal(...)``), or
    ``Deceptive()`` if it has none.

    >>> from deception_sim import sweep
    >>> t = sweep({"train": [1, 2], "deploy": [0, 3]}, ["greedy", "optimal"])
    >>> advantage = deception_advantage(t)
    >>> advantage.index.tolist(), advantage.columns.tolist(), advantage.to_numpy().tolist()
    ([1, 2], [0, 3], [[0.0, 2.0], [0.0, 2.0]])
    """
    policies = list(dict.fromkeys(table["policy"]))
    if best is None:
        optimal = [p for p in policies if str(p).startswith("Optimal(")]
        best = optimal[0] if optimal else "Deceptive()"
    for name in (best, baseline):
        if name not in policies:
            raise ValueError(f"policy {name!r} is not in the table (it has {policies})")
    chosen = table[table["policy"].isin([best, baseline])]
    _only(chosen, [rows, columns, "policy", value], what="deception_advantage")
    wide = chosen.pivot_table(index=[rows, columns], columns="policy", values=value, sort=True)
    advantage = (wide[best] - wide[baseline]).unstack(columns)
    advantage.attrs.update({"best": best, "baseline": baseline, "value": value})
    return advantage


def _edges(values: np.ndarray) -> tuple[np.ndarray, bool]:
    """Cell edges for evenly spaced numbers (``True``), else index positions (``False``)."""
    numbers = np.asarray(values, dtype=float)
    if numbers.size > 1:
        steps = np.diff(numbers)
        if np.allclose(steps, steps[0]) and steps[0] > 0:
            half = steps[0] / 2
            return np.array([numbers[0] - half, numbers[-1] + half]), True
    elif numbers.size == 1:
        return np.array([numbers[0] - 0.5, numbers[0] + 0.5]), True
    return np.array([-0.5, numbers.size - 0.5]), False


def advantage_heatmap(
    table: pd.DataFrame,
    *,
    best: str | None = None,
    baseline: str = "Greedy()",
    rows: str = "train",
    columns: str = "deploy",
    value: str = "mesa",
    title: str | None = None,
    norm: object = None,
    ax: object = None,
) -> object:
    """Heatmap of :func:`deception_advantage` over ``rows`` x ``columns`` (e.g. T x D).

    ``norm`` is a matplotlib colour normalization (e.g.
    ``matplotlib.colors.PowerNorm(0.5)`` to show small advantages). Returns
    the matplotlib ``Figure`` (drawn into ``ax`` if given); save it with
    :func:`save_figure`.
    """
    advantage = deception_advantage(
        table, best=best, baseline=baseline, rows=rows, columns=columns, value=value
    )
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(FIGURE_STYLE):
        if ax is None:
            figure = Figure(figsize=(5.4, 4.2), layout="constrained")
            ax = figure.add_subplot()
        else:
            figure = ax.figure
        x_edges, x_even = _edges(advantage.columns.to_numpy())
        y_edges, y_even = _edges(advantage.index.to_numpy())
        image = ax.imshow(
            advantage.to_numpy(dtype=float),
            origin="lower",
            aspect="auto",
            interpolation="nearest",
            extent=(*x_edges, *y_edges),
            cmap="viridis",
            norm=norm,
        )
        for even, labels, set_ticks, set_labels in (
            (x_even, advantage.columns, ax.set_xticks, ax.set_xticklabels),
            (y_even, advantage.index, ax.set_yticks, ax.set_yticklabels),
        ):
            if not even:
                set_ticks(range(len(labels)))
                set_labels([f"{v:g}" if isinstance(v, float) else str(v) for v in labels])
        ax.set_xlabel(_axis_name(columns))
        ax.set_ylabel(_axis_name(rows))
        ax.set_title(title or f"Deception advantage: {advantage.attrs['best']} − {baseline}")
        bar = figure.colorbar(image, ax=ax)
        bar.set_label(f"{value}: {advantage.attrs['best']} − {baseline}")
    return figure


def value_curves(
    table: pd.DataFrame,
    x: str,
    *,
    value: str = "mesa",
    by: str = "policy",
    title: str | None = None,
    ax: object = None,
) -> object:
    """One line per ``by`` (each policy): ``value`` against the parameter ``x``.

    Returns the matplotlib ``Figure``; save it with :func:`save_figure`.
    """
    _only(table, [x, by, value], what="value_curves")
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(FIGURE_STYLE):
        if ax is None:
            figure = Figure(figsize=(5.4, 3.6), layout="constrained")
            ax = figure.add_subplot()
        else:
            figure = ax.figure
        for i, (name, group) in enumerate(table.groupby(by, sort=False)):
            group = group.sort_values(x)
            ax.plot(group[x], group[value], label=str(name), **_style(i))
        ax.set_xlabel(_axis_name(x))
        ax.set_ylabel(_axis_name(value))
        if title:
            ax.set_title(title)
        labels = [str(name) for name in table[by].unique()]
        if ax is figure.axes[0] and (len(labels) > 4 or max(map(len, labels)) > 24):
            # Many or long names: below the axes, clear of the curves.
            figure.legend(*ax.get_legend_handles_labels(), loc="outside lower center",
                          ncols=2, frameon=False)
        else:
            ax.legend(frameon=False)
        ax.grid(alpha=0.3)
    return figure


def best_responses(
    table: pd.DataFrame, x: str, *, value: str = "mesa", by: str = "policy"
) -> pd.DataFrame:
    """For each ``x``, the ``by`` (policy) with the highest ``value``, and its row.

    Ties (values within ``1e-9``, relative) go to the policy listed first in the table.

    >>> from deception_sim import sweep
    >>> t = sweep({"train": [3], "deploy": [0, 1, 2]}, ["greedy", "deceptive"])
    >>> best_responses(t, "deploy")[["deploy", "policy", "mesa"]]
       deploy       policy  mesa
    0       0     Greedy()   1.0
    1       1     Greedy()   1.0
    2       2  Deceptive()   2.0
    """
    _only(table, [x, by, value], what="best_responses")
    order = {name: i for i, name in enumerate(dict.fromkeys(table[by]))}
    top = table.groupby(x)[value].transform("max")
    near = table[table[value] >= top - 1e-9 * np.maximum(1.0, top.abs())]
    ranked = near.assign(_order=near[by].map(order)).sort_values([x, "_order"], kind="stable")
    return ranked.groupby(x, sort=True).head(1).drop(columns="_order").reset_index(drop=True)


def best_response_curves(
    table: pd.DataFrame,
    x: str,
    *,
    value: str = "mesa",
    by: str = "policy",
    outcome: str | None = None,
    title: str | None = None,
) -> object:
    """The agent's best response to a parameter the overseer sets (``x``).

    Top: each policy's ``value`` against ``x``, and their upper envelope (the
    best response's value). Bottom: a band coloured by the best response, or,
    with ``outcome`` (e.g. ``"harm"``), that column at the best response,
    coloured by the policy. The legend is below. Returns the matplotlib
    ``Figure``.
    """
    best = best_responses(table, x, value=value, by=by)
    import matplotlib
    from matplotlib.figure import Figure

    names = list(dict.fromkeys(table[by]))
    with matplotlib.rc_context(FIGURE_STYLE):
        figure = Figure(figsize=(5.8, 5.4), layout="constrained")
        ratios = [3, 2] if outcome is not None else [5, 1]
        top, bottom = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": ratios})
        colors = {name: _style(i)["color"] for i, name in enumerate(names)}
        top.plot(best[x], best[value], color="0.8", linewidth=5.0, zorder=1,
                 label="best response (upper envelope)")
        for i, (name, group) in enumerate(table.groupby(by, sort=False)):
            group = group.sort_values(x)
            top.plot(group[x], group[value], label=str(name), zorder=2, **_style(i))
        top.set_ylabel(_axis_name(value))
        top.grid(alpha=0.3)
        if title:
            top.set_title(title)
        if outcome is None:
            # A band coloured by the best response (the colours of the legend).
            xs = best[x].to_numpy(dtype=float)
            edges = np.concatenate(([xs[0]], (xs[1:] + xs[:-1]) / 2, [xs[-1]]))
            if xs.size > 1:
                edges[0] -= (xs[1] - xs[0]) / 2
                edges[-1] += (xs[-1] - xs[-2]) / 2
            else:
                edges += [-0.5, 0.5]
            for left, right, name in zip(edges[:-1], edges[1:], best[by], strict=True):
                bottom.axvspan(left, right, color=colors[name], linewidth=0)
            bottom.set_yticks([])
            bottom.set_ylabel("best\nresponse", rotation=0, ha="right", va="center")
        else:
            bottom.plot(best[x], best[outcome], color="0.6", linewidth=1.0, zorder=2)
            bottom.scatter(best[x], best[outcome], c=[colors[n] for n in best[by]], s=14,
                           zorder=3)
            name = _axis_name(outcome) if outcome != "harm" else "harm"
            bottom.set_ylabel(f"{name} at the best\nresponse (colour: policy)")
            bottom.grid(alpha=0.3)
        bottom.set_xlabel(_axis_name(x))
        figure.legend(*top.get_legend_handles_labels(), loc="outside lower center", ncols=2,
                      frameon=False)
    return figure
