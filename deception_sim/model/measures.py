"""The measures: one name, one meaning and one range for every column the package reports.

``docs/explanation/model.md`` defines what each measure of a run means;
this module is the one place their names are written. :class:`~deception_sim.Result`,
:class:`~deception_sim.SimulationResult`, :class:`~deception_sim.Solution`,
sweeps, games and the command line all take their column names from here,
so a column means the same thing in every table (and a checkpoint can check
that a stored value is in its measure's range).

>>> RESULT
('mesa', 'base', 'harm', 'p_intact', 'expected_updates', 'p_defect', 'expected_first_defection')
>>> MEASURES["p_intact"].low, MEASURES["p_intact"].high
(0.0, 1.0)
>>> standard_error("mesa")
'mesa_se'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Measure:
    """A reported quantity: its column name, what it means and the range it lies in."""

    name: str
    meaning: str
    low: float = -math.inf
    high: float = math.inf

    def contains(self, value: float) -> bool:
        """Whether ``value`` is in range (NaN is allowed where the measure may be undefined).

        >>> MEASURES["p_defect"].contains(1.5)
        False
        """
        if math.isnan(value):
            return self.name in UNDEFINED_WHEN_EMPTY
        return self.low <= value <= self.high


_ALL: tuple[Measure, ...] = (
    # What one policy achieves on one model (exact or estimated).
    Measure("mesa", "expected utility under the original mesa objective"),
    Measure("base", "expected discounted number of compliant episodes", 0.0),
    Measure("harm", "expected number of successful unoverseen defections", 0.0),
    Measure("p_intact", "probability that the objective is untouched at the end", 0.0, 1.0),
    Measure("expected_updates", "expected number of updates (detected defections)", 0.0),
    Measure("p_defect", "probability of at least one defection", 0.0, 1.0),
    Measure("expected_first_defection", "expected first defection episode, given one", 1.0),
    # What a solver found.
    Measure("value", "the optimal policy's expected mesa utility"),
    # Games.
    Measure("safety", "probability that no unoverseen defection succeeds", 0.0, 1.0),
    Measure("cost", "what the overseer's oversight costs", 0.0),
    Measure("overseer_value", "the overseer's payoff: its objective minus its cost"),
    Measure("agent_value", "the agent's payoff: its expected mesa utility"),
)

MEASURES: dict[str, Measure] = {m.name: m for m in _ALL}
"""Every measure by its column name."""

RESULT: tuple[str, ...] = (
    "mesa",
    "base",
    "harm",
    "p_intact",
    "expected_updates",
    "p_defect",
    "expected_first_defection",
)
"""The scalars of an exact :class:`~deception_sim.Result` (and, estimated, of a
:class:`~deception_sim.SimulationResult`), in the order tables show them."""

_RESULT_BOUNDS: tuple[tuple[float, float], ...] = tuple(
    (MEASURES[name].low, MEASURES[name].high) for name in RESULT
)

SOLUTION: tuple[str, ...] = ("value", "base")
"""The scalars of a :class:`~deception_sim.Solution`."""

UNDEFINED_WHEN_EMPTY: frozenset[str] = frozenset({"expected_first_defection"})
"""Measures that are NaN when nothing they average over happened (no defection)."""

MODEL_COLUMNS: tuple[str, ...] = ("policy", "schedule", "update")
"""Columns that say which model a row is about: the policy's ``name`` (its repr),
the schedule's and the update rule's descriptions."""

RULE = "rule"
"""Column of a solved policy's readable rule (``'BBAAA'``); ``policy`` is its name."""

METHOD = "method"
"""Column saying how a number was computed."""

RUNS = "runs"
"""Column of the number of simulated runs behind an estimate."""


def standard_error(name: str) -> str:
    """The column of a measure's standard error (Monte Carlo estimates)."""
    if name not in MEASURES:
        raise ValueError(f"name must be one of the measures {sorted(MEASURES)}, got {name!r}")
    return f"{name}_se"


ROUNDING = 1e-9
"""How far (times ``max(1, scale)``) rounding may leave a computed measure outside its range:
the tolerance of a schedule's boundary distribution (whose sum may be 1 within ``1e-9``)."""


def clip_result(values: tuple[float, ...], scale: float = 1.0) -> tuple[float, ...]:
    """The scalars of :data:`RESULT`, in that order, each as :func:`clip` gives it
    (checked in one pass: on every evaluation, they are almost always in range).

    >>> clip_result((3.0, -1e-12, 0.0, 1.0, 0.0, 1.0, 1.0))[1]
    0.0
    """
    for value, (low, high) in zip(values, _RESULT_BOUNDS, strict=True):
        if not low <= value <= high and value == value:  # (NaN stays)
            return tuple(
                float(clip(n, float(v), scale)) for n, v in zip(RESULT, values, strict=True)
            )
    return values


def clip(name: str, value: float | np.ndarray, scale: float = 1.0) -> float | np.ndarray:
    """``value`` of the measure ``name``, moved onto its range where rounding left it outside.

    A value outside the range by at most ``ROUNDING * max(1, scale)`` (``scale``:
    the size of the sum it came from, e.g. the horizon) is set to the bound;
    a value further outside is a computation gone wrong, and raises
    :class:`ArithmeticError` rather than be reported. NaN is left as it is.

    >>> clip("base", -1e-10), clip("p_defect", 1.0 + 1e-12), clip("mesa", -5.0)
    (0.0, 1.0, -5.0)
    >>> clip("p_intact", 1.5)
    Traceback (most recent call last):
    ...
    ArithmeticError: p_intact = 1.5 is outside its range [0, 1] by more than rounding
    """
    measure = MEASURES[name]
    tolerance = ROUNDING * max(1.0, float(scale))
    if isinstance(value, float):  # one number (every evaluation): no array work
        if measure.low <= value <= measure.high or value != value:
            return value
        if measure.low - tolerance <= value <= measure.high + tolerance:
            return measure.low if value < measure.low else measure.high
        raise ArithmeticError(
            f"{name} = {value!r} is outside its range [{measure.low:g}, {measure.high:g}] "
            "by more than rounding"
        )
    array = np.asarray(value, dtype=float)
    with np.errstate(invalid="ignore"):
        wrong = (array < measure.low - tolerance) | (array > measure.high + tolerance)
    if wrong.any():
        bad = float(array[wrong].flat[0]) if array.ndim else float(array)
        raise ArithmeticError(
            f"{name} = {bad!r} is outside its range [{measure.low:g}, {measure.high:g}] "
            "by more than rounding"
        )
    clipped = np.clip(array, measure.low, measure.high)
    return float(clipped) if np.ndim(value) == 0 else clipped
