"""The result of a Monte Carlo simulation: estimates with standard errors."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._display import html_table, number, short_repr
from ..exact import Result
from ..model import Payoffs, Schedule, UpdateRule
from ..model.measures import MODEL_COLUMNS, RESULT, RUNS, standard_error
from ..strategies import Strategy

SCALARS: tuple[str, ...] = RESULT
"""The scalar estimates of a :class:`SimulationResult`, named as in :class:`Result`."""

Seed = int | np.random.Generator | None

_ROUNDING = 1e-12
"""Relative difference below which an estimate with no spread matches an exact value."""


@dataclass(frozen=True)
class SimulationResult:
    """Monte Carlo estimates of one policy on one model, with standard errors.

    The scalars have the names and meanings of :class:`deception_sim.Result`
    (see ``docs/explanation/model.md``); each ``<name>_se`` is the sample
    standard deviation of the per-run quantity divided by ``sqrt(runs)``.
    ``expected_first_defection`` is the mean over the runs that defected, and
    its standard error is taken over those runs (NaN when no run defected, or
    only one did).

    Attributes
    ----------
    runs:
        Number of simulated runs.
    seed:
        The seed: the integer given, the fresh entropy drawn when ``None`` was
        given (so ``seed=result.seed`` repeats the simulation), or the
        :class:`numpy.random.Generator` given.
    curves:
        Per-episode estimates, conditional on the run reaching the episode
        (the meaning of the same columns in :attr:`Result.curves`), indexed by
        ``episode`` = 1..N: ``p_defect``, ``p_intact`` (objective untouched
        after the episode), ``mesa_gain`` (mesa value in the episode, count
        utility, undiscounted), their standard errors ``p_defect_se``,
        ``p_intact_se``, ``mesa_gain_se``, and ``reached`` (the number of
        runs that reached the episode; estimates are NaN where it is 0).
        ``None`` when simulated with ``curves=False``.

    Examples
    --------
    >>> from deception_sim import Deceptive, Schedule
    >>> from deception_sim import simulate
    >>> result = simulate(Deceptive(), Schedule.fixed(2, 3), runs=100, seed=1)
    >>> result.mesa, result.mesa_se, result.runs
    (3.0, 0.0, 100)
    >>> print(repr(result).replace(", h", ",\\nh"))
    <SimulationResult Deceptive() | T=2, D=3 | HardUpdate(): mesa=3 ± 0, base=2 ± 0,
    harm=3 ± 0, runs=100>
    """

    policy: Strategy
    schedule: Schedule
    update: UpdateRule
    payoffs: Payoffs
    mesa: float
    base: float
    harm: float
    p_intact: float
    expected_updates: float
    p_defect: float
    expected_first_defection: float
    mesa_se: float
    base_se: float
    harm_se: float
    p_intact_se: float
    expected_updates_se: float
    p_defect_se: float
    expected_first_defection_se: float
    runs: int
    seed: Seed
    curves: pd.DataFrame | None = field(repr=False, compare=False)

    def _rows(self) -> list[tuple[str, object]]:
        """The model, each estimate as ``value ± standard error``, and the runs."""
        row = self.summary()
        rows: list[tuple[str, object]] = [(name, row[name]) for name in MODEL_COLUMNS]
        for name in SCALARS:
            estimate, error = (
                number(getattr(self, name)),
                number(getattr(self, standard_error(name))),
            )
            rows.append((name, f"{estimate} ± {error}"))
        rows.append((RUNS, self.runs))
        return rows

    def __repr__(self) -> str:
        rows = self._rows()
        return short_repr("SimulationResult", [*rows[:6], rows[-1]], head=3)

    def _repr_html_(self) -> str:
        return html_table("SimulationResult (Monte Carlo)", self._rows())

    def summary(self) -> dict[str, float | int | str]:
        """The estimates, their standard errors and ``runs``, for one table row.

        >>> from deception_sim import Greedy, Schedule
        >>> from deception_sim import simulate
        >>> row = simulate(Greedy(), Schedule.fixed(2, 3), runs=10, seed=0).summary()
        >>> row["policy"], row["mesa"], row["base"], row["runs"]
        ('Greedy()', 1.0, 4.0, 10)
        """
        row: dict[str, float | int | str] = dict(
            zip(
                MODEL_COLUMNS,
                (self.policy.name, self.schedule.describe(), repr(self.update)),
                strict=True,
            )
        )
        for name in SCALARS:
            row[name] = getattr(self, name)
        for name in SCALARS:
            row[standard_error(name)] = getattr(self, standard_error(name))
        row[RUNS] = self.runs
        return row

    def z_scores(self, exact: Result) -> dict[str, float]:
        """``(estimate - exact) / se`` for each scalar, against an exact :class:`Result`.

        Where the standard error is 0 (every run gave the same value) a match
        (to rounding: within ``1e-12`` relative) counts as ``z = 0`` and a
        mismatch as ``inf`` (signed), as does a standard error that is NaN
        (fewer than two runs); a NaN on
        both sides (no defection either way) is a match, a NaN on one side
        gives NaN.

        >>> from deception_sim import Memoryless, Schedule, evaluate
        >>> from deception_sim import simulate
        >>> s = Schedule.fixed(2, 3)
        >>> exact = evaluate(Memoryless(0.5), s)
        >>> z = simulate(Memoryless(0.5), s, runs=2000, seed=3).z_scores(exact)
        >>> sorted(z) == sorted(SCALARS), all(abs(v) < 5 for v in z.values())
        (True, True)
        """
        if not isinstance(exact, Result):
            raise ValueError(f"exact must be a Result, got {type(exact).__name__}")
        scores: dict[str, float] = {}
        for name in SCALARS:
            estimate = getattr(self, name)
            error = getattr(self, f"{name}_se")
            target = getattr(exact, name)
            if math.isnan(estimate) and math.isnan(target):
                scores[name] = 0.0
            elif math.isnan(estimate) or math.isnan(target):
                scores[name] = math.nan
            elif error == 0.0 or math.isnan(error):
                difference = estimate - target
                if abs(difference) <= _ROUNDING * max(1.0, abs(target)):
                    scores[name] = 0.0
                else:
                    scores[name] = math.copysign(math.inf, difference)
            else:
                scores[name] = (estimate - target) / error
        return scores
