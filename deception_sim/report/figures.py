"""Figures: deception-advantage heatmaps, value curves and best-response curves.

matplotlib is imported inside these functions: the core package does not
need it (``pip install 'deception_sim[figures]'``). Figures are
``matplotlib.figure.Figure`` objects, not pyplot figures, so no global state
is touched, and they show themselves in Jupyter without ``%matplotlib
inline``. All are drawn in the one style of :mod:`deception_sim.report.style`
(sizes, fonts, the colour-blind-safe palette; policies named, not repr'd;
whole-number ticks on whole-number axes; steps, not slopes, between the
values of a whole-number parameter). :func:`save_figure` renders them with
Agg (PNG) and the PDF backend (TrueType fonts), without dates or versions, so
a figure regenerated from the same inputs is the same file byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from .. import _files
from ..model.measures import MEASURES, METHOD, MODEL_COLUMNS, RULE, RUNS
from .style import (
    COLORMAP,
    DPI,
    SAVE_METADATA,
    axis_name,
    integer_ticks,
    is_integer,
    label,
    line_style,
    new_figure,
    styled,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure


def save_figure(figure: Figure, *paths: str | Path, dpi: int = DPI) -> list[Path]:
    """Save a figure to each path (``.png``, ``.pdf`` or ``.svg``), byte-for-byte reproducibly.

    The files carry no creation date or software version, so the same figure
    saved twice gives the same bytes; PDFs embed TrueType (Type 42) fonts.
    Returns the paths written.
    """
    from .._optional import require

    require("matplotlib", "figures", what="save_figure")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    written = []
    for given in paths:
        path = Path(given)
        suffix = path.suffix.lower()
        if suffix not in SAVE_METADATA:
            raise ValueError(f"figure path must end in .png, .pdf or .svg, got {str(path)!r}")
        FigureCanvasAgg(figure)  # the Agg canvas, whatever pyplot's backend is
        # Through a temporary file in the same folder: the figure is written whole or not at all.
        with styled(), _files.atomic_path(path) as partial:
            figure.savefig(partial, format=suffix[1:], dpi=dpi, metadata=SAVE_METADATA[suffix])
        written.append(path)
    return written


_MEASURES = frozenset({*MODEL_COLUMNS, *MEASURES, RUNS, RULE, METHOD})


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
    norm: Normalize | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Heatmap of :func:`deception_advantage` over ``rows`` x ``columns`` (e.g. T x D).

    ``norm`` is a matplotlib colour normalization (e.g.
    ``matplotlib.colors.PowerNorm(0.5)`` to show small advantages). Returns
    the matplotlib ``Figure`` (drawn into ``ax`` if given); save it with
    :func:`save_figure`.
    """
    advantage = deception_advantage(
        table, best=best, baseline=baseline, rows=rows, columns=columns, value=value
    )
    with styled():
        if ax is None:
            figure = new_figure("square")
            ax = figure.add_subplot()
        else:
            figure = cast("Figure", ax.figure)
        x_edges, x_even = _edges(advantage.columns.to_numpy())
        y_edges, y_even = _edges(advantage.index.to_numpy())
        image = ax.imshow(
            advantage.to_numpy(dtype=float),
            origin="lower",
            aspect="auto",
            interpolation="nearest",
            extent=(*x_edges, *y_edges),
            cmap=COLORMAP,
            norm=norm,
        )
        ax.grid(False)
        for even, labels, axis, set_ticks, set_labels in (
            (x_even, advantage.columns, ax.xaxis, ax.set_xticks, ax.set_xticklabels),
            (y_even, advantage.index, ax.yaxis, ax.set_yticks, ax.set_yticklabels),
        ):
            if not even:
                set_ticks(range(len(labels)))
                set_labels([f"{v:g}" if isinstance(v, float) else label(v) for v in labels])
            elif is_integer(labels):
                integer_ticks(axis)
        ax.set_xlabel(axis_name(columns))
        ax.set_ylabel(axis_name(rows))
        difference = f"{label(advantage.attrs['best'])} − {label(baseline)}"
        ax.set_title(title or f"Deception advantage: {difference}")
        bar = figure.colorbar(image, ax=ax)
        bar.set_label(f"{difference}, {value}")
    return figure


def value_curves(
    table: pd.DataFrame,
    x: str,
    *,
    value: str = "mesa",
    by: str = "policy",
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """One line per ``by`` (each policy): ``value`` against the parameter ``x``.

    A whole-number ``x`` (a length) gets whole-number ticks, and each value
    is drawn as a step centred on its ``x`` (values exist at whole numbers
    only, so a slope between them would show values that do not exist).
    Returns the matplotlib ``Figure``; save it with :func:`save_figure`.
    """
    _only(table, [x, by, value], what="value_curves")
    whole = is_integer(table[x])
    with styled():
        if ax is None:
            figure = new_figure("single")
            ax = figure.add_subplot()
        else:
            figure = cast("Figure", ax.figure)
        for i, (name, group) in enumerate(table.groupby(by, sort=False)):
            group = group.sort_values(x)
            steps: dict[str, Any] = {"drawstyle": "steps-mid"} if whole else {}
            ax.plot(group[x], group[value], label=label(name), **line_style(i), **steps)
        if whole:
            integer_ticks(ax.xaxis)
        ax.set_xlabel(axis_name(x))
        ax.set_ylabel(axis_name(value))
        if title:
            ax.set_title(title)
        labels = [label(name) for name in table[by].unique()]
        if ax is figure.axes[0] and (len(labels) > 4 or max(map(len, labels)) > 24):
            # Many or long names: below the axes, clear of the curves.
            figure.legend(
                *ax.get_legend_handles_labels(), loc="outside lower center", ncols=2, frameon=False
            )
        else:
            ax.legend(frameon=False)
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
) -> Figure:
    """The agent's best response to a parameter the overseer sets (``x``).

    Top: each policy's ``value`` against ``x``, and their upper envelope (the
    best response's value). Bottom: a band coloured by the best response, or,
    with ``outcome`` (e.g. ``"harm"``), that column at the best response,
    coloured by the policy. The legend is below. Returns the matplotlib
    ``Figure``.
    """
    best = best_responses(table, x, value=value, by=by)
    names = list(dict.fromkeys(table[by]))
    whole = is_integer(table[x])
    steps: dict[str, Any] = {"drawstyle": "steps-mid"} if whole else {}
    with styled():
        figure = new_figure("tall")
        ratios = [3, 2] if outcome is not None else [5, 1]
        top, bottom = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": ratios})
        colors = {name: line_style(i)["color"] for i, name in enumerate(names)}
        top.plot(
            best[x],
            best[value],
            color="0.8",
            linewidth=5.0,
            zorder=1,
            label="best response (upper envelope)",
            **steps,
        )
        for i, (name, group) in enumerate(table.groupby(by, sort=False)):
            group = group.sort_values(x)
            top.plot(group[x], group[value], label=label(name), zorder=2, **line_style(i), **steps)
        top.set_ylabel(axis_name(value))
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
            bottom.grid(False)
            bottom.set_ylabel("best\nresponse", rotation=0, ha="right", va="center")
        else:
            # The outcome jumps where the best response changes: one line per stretch of
            # the same response, none across a switch (a slope there would be invented).
            switch = (best[by] != best[by].shift()).cumsum()
            for _, stretch in best.groupby(switch, sort=False):
                bottom.plot(
                    stretch[x], stretch[outcome], color="0.6", linewidth=1.0, zorder=2, **steps
                )
            bottom.scatter(best[x], best[outcome], c=[colors[n] for n in best[by]], s=14, zorder=3)
            name = axis_name(outcome) if outcome != "harm" else "harm"
            bottom.set_ylabel(f"{name} at the best\nresponse (colour: policy)")
        if whole:
            integer_ticks(bottom.xaxis)
        bottom.set_xlabel(axis_name(x))
        figure.legend(
            *top.get_legend_handles_labels(), loc="outside lower center", ncols=2, frameon=False
        )
    return figure
