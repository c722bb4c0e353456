"""The result of a Monte Carlo simulation: estimates with standard errors."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._display import html_table, number, short_repr
from ..exact import Result
from ..model import Payoffs, Schedule, UpdateRule
from ..model.measures import MODEL_COLUMNS, RESULT, RUNS, clip, standard_error
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

    def __post_init__(self) -> None:
        # A mean of per-run values in range is in range, up to their rounding.
        scale = float(self.schedule.horizon)
        for name in SCALARS:
            object.__setattr__(self, name, clip(name, getattr(self, name), scale))

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

        Every score is finite or NaN, never infinite. Where every run gave the
        same value (the standard error is 0; to rounding: see
        :class:`~deception_sim.montecarlo.accumulate.Moments`) or there were
        fewer than two runs, a match with the exact value (within ``1e-12``
        relative) is ``z = 0``, and a mismatch is NaN: the runs show **no
        sampled variation**, so they cannot say how far off they may be (a
        rare outcome may simply not have been drawn); :meth:`compare` says
        which scores these are. A NaN on both sides (no defection either way)
        is a match, a NaN on one side gives NaN.

        >>> from deception_sim import Memoryless, Schedule, evaluate
        >>> from deception_sim import simulate
        >>> s = Schedule.fixed(2, 3)
        >>> exact = evaluate(Memoryless(0.5), s)
        >>> z = simulate(Memoryless(0.5), s, runs=2000, seed=3).z_scores(exact)
        >>> sorted(z) == sorted(SCALARS), all(abs(v) < 5 for v in z.values())
        (True, True)
        """
        return {name: float(row["z"]) for name, row in self._comparison(exact).items()}

    def compare(self, exact: Result) -> pd.DataFrame:
        """Each estimate next to the exact value: ``estimate``, ``se``, ``exact``, ``z`` and
        a ``note`` where ``z`` is not a plain z-score ("no sampled variation",
        "match", "undefined on one side"), indexed by ``measure``.

        >>> from deception_sim import Plan, Schedule, evaluate, simulate
        >>> maze = Schedule.fixed(2, 3)
        >>> table = simulate(Plan("BBAAA"), maze, runs=10, seed=0).compare(
        ...     evaluate(Plan("BBBAA"), maze))
        >>> table.loc["mesa", "note"], float(table.loc["mesa", "z"])
        ('no sampled variation', nan)
        """
        rows = self._comparison(exact)
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "measure"
        return frame

    def _comparison(self, exact: Result) -> dict[str, dict[str, float | str]]:
        if not isinstance(exact, Result):
            raise ValueError(f"exact must be a Result, got {type(exact).__name__}")
        rows: dict[str, dict[str, float | str]] = {}
        for name in SCALARS:
            estimate = getattr(self, name)
            error = getattr(self, f"{name}_se")
            target = getattr(exact, name)
            note = ""
            if math.isnan(estimate) and math.isnan(target):
                z, note = 0.0, "undefined on both sides"
            elif math.isnan(estimate) or math.isnan(target):
                z, note = math.nan, "undefined on one side"
            elif error == 0.0 or math.isnan(error):
                difference = estimate - target
                if abs(difference) <= _ROUNDING * max(1.0, abs(target)):
                    z, note = 0.0, "match"
                else:
                    z, note = math.nan, "no sampled variation"
            else:
                z = (estimate - target) / error
            rows[name] = {"estimate": estimate, "se": error, "exact": target, "z": z, "note": note}
        return rows
