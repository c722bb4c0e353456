"""What one sweep computes: its strategies, its mode and result columns, and the plan for workers.

A sweep's strategies are strategy objects, or strings: the command line's
short forms and ``"optimal[:SETTING]"``, the optimal policy of each cell
(:class:`_Solve`). A :class:`_Plan` is everything a worker needs to compute a
chunk of cells: small and picklable.

>>> _strategies(["greedy", "optimal:clock"], "evaluate")
(Greedy(), optimal:clock)
>>> _Solve("clock").name
'Optimal(clock)'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, TypeAlias

from .. import _validate
from ..montecarlo import SCALARS
from ..solvers import INFORMATION, Optimal
from ..strategies import Deceptive, Greedy, Strategy, has_address, parse_strategy
from .grid import _Grid

MODES: tuple[str, ...] = ("evaluate", "simulate", "optimize")
"""``evaluate``: exact payoffs; ``simulate``: Monte Carlo; ``optimize``: the solver's answer."""

EXACT_COLUMNS: tuple[str, ...] = SCALARS
OPTIMIZE_COLUMNS: tuple[str, ...] = ("value", "base", "rule", "method")

ColumnKind: TypeAlias = Literal["float", "int", "str"]


@dataclass(frozen=True)
class _Solve:
    """The optimal policy of each cell, in one information setting."""

    information: str

    @property
    def name(self) -> str:
        return f"Optimal({self.information})"

    def __repr__(self) -> str:
        return f"optimal:{self.information}"


def _strategy(entry: object) -> Strategy | _Solve:
    if isinstance(entry, Optimal):
        raise ValueError(
            "strategies: an Optimal strategy is solved for one model; pass 'optimal' "
            "(or 'optimal:clock', 'optimal:memoryless') to solve every cell"
        )
    if isinstance(entry, Strategy):
        if has_address(repr(entry)):
            raise ValueError(
                f"strategies: {type(entry).__qualname__} has no __repr__ of its own (its repr "
                f"{repr(entry)!r} holds a memory address), so this sweep's table and checkpoint "
                "could not be reproduced; give it a __repr__ that evaluates back to an equal object"
            )
        return entry
    if isinstance(entry, str):
        key, _, information = entry.strip().partition(":")
        if key.strip().lower() == "optimal":
            information = information.strip() or "known_phase"
            return _Solve(_validate.choice("information", information, INFORMATION))
        return parse_strategy(entry)
    raise ValueError(
        f"strategies must be Strategy objects or strings such as 'greedy' or 'optimal', "
        f"got {entry!r}"
    )


def _strategies(given: object, mode: str) -> tuple[Strategy | _Solve, ...]:
    if given is None:
        given = ["optimal"] if mode == "optimize" else [Greedy(), Deceptive()]
    if isinstance(given, (str, Strategy)) or not isinstance(given, Iterable):
        given = [given]
    elif getattr(given, "ndim", None) == 0:  # a 0-d array: one value, which cannot be iterated
        given = [given]
    out = tuple(_strategy(entry) for entry in given)
    if not out:
        raise ValueError("strategies is empty; give at least one strategy")
    names = [s.name for s in out]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"strategies lists {twice[0]} twice")
    if mode == "optimize" and not all(isinstance(s, _Solve) for s in out):
        raise ValueError(
            "strategies: mode='optimize' reports the solver's answer, so every strategy must "
            "be 'optimal' or 'optimal:SETTING'; use mode='evaluate' to compare others"
        )
    return out


@dataclass(frozen=True)
class _Plan:
    """Everything a worker needs to compute a chunk (small, picklable)."""

    grid: _Grid
    strategies: tuple[Strategy | _Solve, ...]
    mode: str
    runs: int
    seed: int
    closed_form: bool

    def kinds(self) -> dict[str, ColumnKind]:
        """The result columns of this sweep's mode, and what each holds."""
        return result_kinds(self.mode)


def result_kinds(mode: str) -> dict[str, ColumnKind]:
    """The result columns of a sweep's mode, and what each holds."""
    if mode == "evaluate":
        return dict.fromkeys(EXACT_COLUMNS, "float")
    if mode == "simulate":
        kinds: dict[str, ColumnKind] = dict.fromkeys(SCALARS, "float")
        kinds.update(dict.fromkeys((f"{s}_se" for s in SCALARS), "float"))
        kinds["runs"] = "int"
        return kinds
    columns: tuple[ColumnKind, ...] = ("float", "float", "str", "str")
    return dict(zip(OPTIMIZE_COLUMNS, columns, strict=True))
