"""The grid of a sweep: its axes, their validation, and the parameter columns of its cells.

A grid maps parameter names (those of :mod:`deception_sim.model.parameters`)
to values; cell ``i`` is the ``i``-th point of the product of the axes, in
the order given, the first name varying slowest.

>>> grid = _grid({"train": [1, 2], "deploy": range(3), "utility": "any"})
>>> grid.shape, grid.params(4)
((2, 3, 1), {'train': 2, 'deploy': 1, 'utility': 'any'})
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeAlias, cast

import numpy as np
import pandas as pd

from ..model import (
    PARAMETER_NAMES,
    ParameterValue,
    check_parameter,
    check_parameter_names,
    limits,
)

PARAMETERS: tuple[str, ...] = PARAMETER_NAMES
"""Every name a sweep grid may use (see :data:`deception_sim.model.PARAMETERS`)."""

Column: TypeAlias = pd.api.extensions.ExtensionArray | np.ndarray
"""A column of a sweep's table."""


@dataclass(frozen=True)
class _Grid:
    """The axes of a sweep; cell ``i`` is the ``i``-th point of their product."""

    names: tuple[str, ...]
    values: tuple[tuple[ParameterValue, ...], ...]

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(v) for v in self.values)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def indices(self, cells: np.ndarray) -> tuple[np.ndarray, ...]:
        return np.unravel_index(cells, self.shape)

    def params(self, cell: int) -> dict[str, ParameterValue]:
        where = np.unravel_index(cell, self.shape)
        return {
            name: values[int(i)]
            for name, values, i in zip(self.names, self.values, where, strict=True)
        }

    def columns(self, cells: np.ndarray, repeat: int = 1) -> dict[str, Column]:
        """The parameter columns of the given cells, each cell's entry ``repeat`` times."""
        where = self.indices(cells)
        return {
            name: _labels(values).take(np.repeat(index, repeat) if repeat > 1 else index)
            for name, values, index in zip(self.names, self.values, where, strict=True)
        }

    def canonical(self) -> list[list[str | list[str]]]:
        """The axes as text that is the same in every process (for checkpoint fingerprints)."""
        return [
            [name, [_canonical(v) for v in values]]
            for name, values in zip(self.names, self.values, strict=True)
        ]


def _labels(values: tuple[ParameterValue, ...]) -> Column:
    """An axis's values as a column: numbers and strings as they are, objects as text."""
    shown = [
        v if isinstance(v, (bool, int, float, str)) or v is None else _label(v) for v in values
    ]
    if all(isinstance(v, str) for v in shown):
        return pd.array(cast(list[str], shown), dtype="str")
    if all(isinstance(v, bool) for v in shown):
        return np.array(shown, dtype=bool)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in shown):
        return np.array(shown, dtype=np.int64)
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in shown):
        return np.array(shown, dtype=float)
    return np.array(shown, dtype=object)


def _label(value: object) -> str:
    dist, args = getattr(value, "dist", None), getattr(value, "args", None)
    if dist is not None and args is not None:  # a frozen scipy.stats distribution
        kwds: dict[str, object] = getattr(value, "kwds", {})
        arguments = [repr(a) for a in args]
        arguments += [f"{k}={v!r}" for k, v in sorted(kwds.items())]
        return f"{dist.name}({', '.join(arguments)})"
    return repr(value)


def _canonical(value: object) -> str:
    if value is None or isinstance(value, (bool, int, float, str)):
        return f"{type(value).__name__}:{value!r}"
    return f"{type(value).__name__}:{_label(value)}"


def _given(given: object) -> object:
    """An axis as given: one value becomes a list of one."""
    if isinstance(given, (str, bytes, Mapping)) or not isinstance(given, Iterable):
        return [given]
    if isinstance(given, np.ndarray) and given.ndim == 0:
        return [given.item()]
    return given


def _axis(name: str, given: object) -> tuple[ParameterValue, ...]:
    values = tuple(check_parameter(name, v) for v in cast(Iterable[object], given))
    if not values:
        raise ValueError(f"grid axis {name!r} is empty; give it at least one value")
    return values


def _grid(grid: object, *, rows_per_cell: int = 1, columns: int = 0) -> _Grid:
    """The validated axes of a grid (names first: one model; then its size; then every value).

    The grid's size is checked against the memory budget
    (:mod:`deception_sim.model.limits`) from the lengths of its axes, before any
    value is checked or materialized: a table of ``rows_per_cell`` rows per
    cell, each with the parameters and ``columns`` result columns.

    >>> _grid({"train": range(10**6), "deploy": range(10**6)})
    Traceback (most recent call last):
    ...
    ValueError: grid: a sweep of 1000000000000 cells x 1 strategies needs about ...
    """
    if not isinstance(grid, Mapping) or not grid:
        raise ValueError(
            "grid must be a non-empty mapping of parameter names to values, e.g. "
            "{'train': range(0, 11), 'deploy': range(0, 11)}"
        )
    names = tuple(grid)
    check_parameter_names(names, where="grid")
    axes = {name: _given(grid[name]) for name in names}
    width = len(names) + 3 + columns  # parameters, cell and strategy keys, policy, results
    # Axes without a length are read, but never beyond what the budget could hold.
    room = int(limits.memory_limit() // limits.sweep_bytes(rows_per_cell, width)) + 1
    for name, given in axes.items():
        if limits.size_of(given) is None:
            axes[name] = list(itertools.islice(cast(Iterable[object], given), room + 1))
    cells = math.prod(cast(int, limits.size_of(given)) for given in axes.values())
    limits.check_memory(
        f"a sweep of {cells} cells x {rows_per_cell} strategies",
        "grid",
        limits.sweep_bytes(cells * rows_per_cell, width),
    )
    return _Grid(names, tuple(_axis(name, axes[name]) for name in names))
