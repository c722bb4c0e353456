"""The protocol designer's problems: best thresholds, frontiers, and mixing over protocols.

* :func:`best_design` / :func:`best_thresholds`: the parameter of a protocol
  family (an audit false-positive rate, a pace) that maximizes safety
  against the attacker's best response. Each candidate's worst case is the
  exact best response of :func:`~deception_sim.control.worst_case`; the
  parameter is found by a dense bracket then bounded Brent refinement, so
  the safety reported is exact *for the parameter returned*, and that no
  other parameter does better rests on the bracket (not certified).
* :func:`pareto_frontier`: for each defer rate, the best audit rate, and
  which (usefulness, safety) points no other point dominates.
* :func:`mix_protocols`: the designer draws a protocol at random from a list
  (the attacker knows the list and the probabilities, not the draw): a
  zero-sum game solved by the linear program of
  :func:`~deception_sim.games.solve_zero_sum`. Against a clock
  attacker every protocol must meet the same condition of the suffix
  theorem; then the best response to any mixture is an attack-from-k plan too, the game is the
  finite matrix of protocols against the ``M + 1`` such plans, and the
  solution is exact. Against a memoryless attacker the columns are attack
  rates, grown by double oracle (add the exact best response to the current
  mixture until it no longer beats the game's value).
* :func:`paced_thresholds`: audit rates that pace the budget over the tasks
  left (thresholds by task and audits left).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize as sciopt

from .. import _validate
from ..games import solve_zero_sum
from .attackers import (
    MAX_STATES,
    memoryless_response,
    rate_grid,
    suffix_conditions,
    suffix_safety,
    worst_case,
)
from .monitor import Monitor
from .protocols import TrustedMonitoring
from .recursion import memoryless_win, usefulness
from .results import ATTACKERS, ControlResult, describe_policy, protocol_parameters
from .rules import transitions_of

GRID = 25
STARTS = 2
LOG_XTOL = 1e-4
DOUBLE_ORACLE_ROUNDS = 30


@dataclass(frozen=True)
class Design:
    """The designer's best parameter in a protocol family, and the worst case there.

    Attributes
    ----------
    parameter:
        The best parameter found.
    result:
        The attacker's best response to the protocol at ``parameter``
        (:class:`~deception_sim.control.ControlResult`).
    curve:
        Every parameter evaluated, with its worst-case safety and usefulness.
    method:
        How the parameter was found.
    """

    parameter: float
    result: ControlResult
    curve: pd.DataFrame = field(repr=False)
    method: str = field(repr=False)

    @property
    def protocol(self) -> object:
        """The protocol at the best parameter."""
        return self.result.protocol

    @property
    def safety(self) -> float:
        """Worst-case safety at the best parameter."""
        return self.result.safety

    @property
    def usefulness(self) -> float:
        """Usefulness at the best parameter."""
        return self.result.usefulness


def best_design(
    family: Callable[[float], object],
    attacker: str = "memoryless",
    *,
    bounds: tuple[float, float] = (0.0, 1.0),
    low: float = 1e-4,
    grid: int = GRID,
    max_states: int = MAX_STATES,
) -> Design:
    """Maximize worst-case safety over one parameter ``x`` in ``bounds`` of ``family(x)``.

    The bracket is ``bounds[0]`` plus ``grid`` log-spaced points from
    ``max(low, bounds[0])`` to ``bounds[1]``; the best ``STARTS`` local maxima
    are refined with bounded Brent in ``log x``. Ties go to the smaller ``x``.

    >>> from deception_sim.control import RandomAuditing
    >>> d = best_design(lambda r: RandomAuditing(tasks=10, audits=10, rate=r), grid=9)
    >>> round(d.parameter, 6), round(d.safety, 6)  # audit everything
    (1.0, 1.0)
    """
    attacker = _validate.choice("attacker", attacker, ATTACKERS)
    start, stop = (_validate.real("bounds", b) for b in bounds)
    if not start < stop:
        raise ValueError(f"bounds must be (low, high) with low < high, got {bounds!r}")
    grid = _validate.integer("grid", grid, minimum=2)
    bottom = max(_validate.real("low", low, low=0.0, low_open=True), start)
    points = np.unique(np.concatenate([[start], np.geomspace(bottom, stop, grid)]))
    seen: dict[float, ControlResult] = {}

    def solve(x: float) -> ControlResult:
        x = float(min(max(x, start), stop))
        if x not in seen:
            seen[x] = worst_case(family(x), attacker, max_states=max_states)
        return seen[x]

    values = np.array([solve(x).safety for x in points])
    padded = np.concatenate([[-np.inf], values, [-np.inf]])
    peaks = np.flatnonzero((values >= padded[:-2]) & (values >= padded[2:]))
    for i in peaks[np.argsort(-values[peaks], kind="stable")][:STARTS]:
        left, right = points[max(i - 1, 0)], points[min(i + 1, points.size - 1)]
        if left > 0:
            sciopt.minimize_scalar(
                lambda y: -solve(float(np.exp(y))).safety,
                bounds=(np.log(left), np.log(right)),
                method="bounded",
                options={"xatol": LOG_XTOL},
            )
        else:
            sciopt.minimize_scalar(
                lambda y: -solve(y).safety,
                bounds=(left, right),
                method="bounded",
                options={"xatol": LOG_XTOL * right},
            )
    best = max(seen, key=lambda x: (seen[x].safety, -x))
    curve = pd.DataFrame(
        [
            {"parameter": x, "safety": r.safety, "usefulness": r.usefulness}
            for x, r in sorted(seen.items())
        ]
    )
    method = (
        f"dense bracket ({points.size} log-spaced values) + bounded Brent refinement of "
        f"the best {STARTS}; each value's worst case: {seen[best].method}"
    )
    return Design(parameter=best, result=seen[best], curve=curve, method=method)


def best_thresholds(
    monitor: Monitor,
    *,
    tasks: int,
    audits: int,
    attacker: str = "memoryless",
    defer_fpr: float = 0.0,
    success: float = 1.0,
    trusted_usefulness: float = 0.0,
    grid: int = GRID,
) -> Design:
    """The fixed audit false-positive rate that maximizes worst-case safety.

    :class:`~deception_sim.control.TrustedMonitoring` with the given defer
    rate; the audit rate is searched over [0, 1] by :func:`best_design`.

    >>> from scipy import stats
    >>> mon = Monitor(safe=stats.beta(7.39, 6.86), attack=stats.beta(8.91, 2.82))
    >>> d = best_thresholds(mon, tasks=100, audits=2, attacker="clock")
    >>> round(d.parameter, 4), round(d.safety, 4)
    (0.0072, 0.3188)
    """

    def family(x: float) -> TrustedMonitoring:
        return TrustedMonitoring(
            monitor=monitor,
            tasks=tasks,
            audits=audits,
            audit_fpr=x,
            defer_fpr=defer_fpr,
            success=success,
            trusted_usefulness=trusted_usefulness,
        )

    family(0.0)  # validate the arguments before any search
    return best_design(family, attacker, bounds=(0.0, 1.0), grid=grid)


def paced_thresholds(tasks: int, audits: int, pace: float) -> np.ndarray:
    """Audit false-positive rates by (task, audits left): ``min(1, pace * c / tasks left)``.

    With ``c`` audits left and ``n`` tasks to go, an honest deployment would
    use about ``pace * c`` more audits: ``pace = 1`` spends the budget evenly
    over what is left. Pass the table as ``audit_fpr``.

    >>> paced_thresholds(tasks=3, audits=1, pace=1.0).tolist()
    [[0.0, 0.3333333333333333], [0.0, 0.5], [0.0, 1.0]]
    """
    tasks = _validate.integer("tasks", tasks, minimum=1)
    audits = _validate.integer("audits", audits)
    pace = _validate.real("pace", pace, low=0.0)
    left = tasks - np.arange(tasks)[:, None]
    return np.minimum(1.0, pace * np.arange(audits + 1)[None, :] / left)


def pareto_frontier(
    monitor: Monitor,
    *,
    tasks: int,
    audits: int,
    attacker: str = "memoryless",
    defer_fprs: Iterable[float] = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5),
    success: float = 1.0,
    trusted_usefulness: float = 0.0,
    grid: int = GRID,
) -> pd.DataFrame:
    """The safety-usefulness frontier over defer rates, with the best audit rate for each.

    One row per defer rate: ``defer_fpr``, the best ``audit_fpr``
    (:func:`best_thresholds`), worst-case ``safety``, ``usefulness``, and
    ``efficient``: whether no other row has both at least the safety and at
    least the usefulness, one of them strictly.

    >>> from scipy import stats
    >>> mon = Monitor(safe=stats.beta(7.39, 6.86), attack=stats.beta(8.91, 2.82))
    >>> f = pareto_frontier(mon, tasks=50, audits=1, defer_fprs=[0.0, 0.1], grid=7)
    >>> f[["defer_fpr", "efficient"]].to_dict("list")
    {'defer_fpr': [0.0, 0.1], 'efficient': [True, True]}
    """
    rows = []
    for defer in defer_fprs:
        design = best_thresholds(
            monitor,
            tasks=tasks,
            audits=audits,
            attacker=attacker,
            defer_fpr=defer,
            success=success,
            trusted_usefulness=trusted_usefulness,
            grid=grid,
        )
        rows.append(
            {
                "defer_fpr": float(defer),
                "audit_fpr": design.parameter,
                "attacker": attacker,
                "safety": design.safety,
                "usefulness": design.usefulness,
            }
        )
    if not rows:
        raise ValueError("defer_fprs must hold at least one rate")
    frame = pd.DataFrame(rows)
    s, u = frame["safety"].to_numpy(), frame["usefulness"].to_numpy()
    better = (
        (s[None, :] >= s[:, None])
        & (u[None, :] >= u[:, None])
        & ((s[None, :] > s[:, None]) | (u[None, :] > u[:, None]))
    )
    frame["efficient"] = np.logical_not(better.any(axis=1))
    return frame


# ---------------------------------------------------------------------------- mixing


@dataclass(frozen=True)
class MixedDesign(_validate.ReadOnlyArrays):
    """The designer's optimal mixture over protocols against a best-responding attacker.

    Attributes
    ----------
    weights:
        Probability of each protocol (read-only).
    safety:
        Safety the mixture guarantees: one minus the attacker's exact best
        response to it (clock: exact; memoryless: global by the bracket).
    value:
        The zero-sum game's value over the attack policies in ``attacks``.
    usefulness:
        The mixture's usefulness (the weighted mean).
    attacks:
        The attacker's equilibrium mixture: one row per policy with positive
        probability (``policy``, ``probability``).
    """

    weights: np.ndarray = field(repr=False)
    safety: float
    value: float
    usefulness: float
    attacks: pd.DataFrame = field(repr=False)
    method: str = field(repr=False)
    protocols: tuple[object, ...] = field(repr=False)

    def __post_init__(self) -> None:
        self.weights.setflags(write=False)

    def table(self) -> pd.DataFrame:
        """One row per protocol: its parameters and its weight (the last column)."""
        frame = pd.DataFrame(
            [
                {**protocol_parameters(p), "weight": float(w)}
                for p, w in zip(self.protocols, self.weights, strict=True)
            ]
        )
        return frame[[c for c in frame.columns if c != "weight"] + ["weight"]]


def mix_protocols(protocols: Sequence[object], attacker: str = "clock") -> MixedDesign:
    """The designer's optimal random choice among ``protocols`` (same number of tasks).

    >>> from deception_sim.control import UpfrontAuditing, RandomAuditing
    >>> options = [UpfrontAuditing(tasks=10, audits=2), RandomAuditing(tasks=10, audits=2,
    ...                                                                  rate=0.2)]
    >>> mix = mix_protocols(options, "clock")
    >>> mix.weights.round(4).tolist(), round(mix.safety, 4), mix.attacks["policy"].tolist()
    ([0.0, 1.0], 0.0872, ['attack from task 10'])
    """
    attacker = _validate.choice("attacker", attacker, ("memoryless", "clock"))
    protocols = tuple(protocols)
    if not protocols:
        raise ValueError("protocols must hold at least one protocol")
    trs = [transitions_of(p) for p in protocols]
    tasks = {tr.tasks for tr in trs}
    if len(tasks) != 1:
        raise ValueError(f"protocols must all have the same number of tasks, got {sorted(tasks)}")
    (count,) = tasks
    useful = np.array([usefulness(tr) for tr in trs])
    if attacker == "clock":
        if not frozenset.intersection(*(suffix_conditions(tr) for tr in trs)):
            raise ValueError(
                "protocols: mixing against a clock attacker needs every protocol to meet "
                "the same condition of the suffix theorem (suffix_conditions)"
            )
        matrix = np.array([suffix_safety(tr) for tr in trs])
        solution = solve_zero_sum(matrix)
        weights = solution.row_strategy
        responses = matrix.T @ weights
        safety = float(responses.min())
        starts = np.arange(1, count + 2)
        policies = [describe_policy(_plan(count, int(k))) for k in starts]
        method = (
            f"zero-sum LP over {len(trs)} protocols x {count + 1} attack-from-k plans "
            "(suffix theorem holds for every mixture): exact"
        )
        columns = solution.column_strategy
    else:
        weights, safety, solution, rates = _double_oracle(trs)
        policies = [describe_policy(r) for r in rates]
        columns = solution.column_strategy
        method = (
            "zero-sum LP over attack rates grown by double oracle; guarantee from the "
            "exact best response to the mixture (global by the bracket)"
        )
    attacks = pd.DataFrame({"policy": policies, "probability": columns})
    attacks = attacks[attacks["probability"] > 0].reset_index(drop=True)
    return MixedDesign(
        weights=np.asarray(weights, dtype=float).copy(),
        safety=safety,
        value=solution.value,
        usefulness=float(useful @ weights),
        attacks=attacks,
        method=method,
        protocols=protocols,
    )


def _plan(tasks: int, start: int) -> np.ndarray:
    plan = np.zeros(tasks)
    plan[start - 1 :] = 1.0
    return plan


def _double_oracle(trs: list) -> tuple[np.ndarray, float, Any, np.ndarray]:
    rates = rate_grid(trs[0].tasks)
    safety_of = lambda r: 1.0 - np.array([memoryless_win(tr, r) for tr in trs])  # noqa: E731
    matrix = safety_of(rates)
    for _ in range(DOUBLE_ORACLE_ROUNDS):
        solution = solve_zero_sum(matrix)
        weights = solution.row_strategy
        rate, win, _ = memoryless_response(
            trs[0], win=lambda r, w=weights: w @ (1.0 - safety_of(r))
        )
        if 1.0 - win >= solution.value - 1e-12 or rate in rates:
            return weights, 1.0 - win, solution, rates
        rates = np.append(rates, rate)
        matrix = np.hstack([matrix, safety_of(np.array([rate]))])
    return weights, 1.0 - win, solution, rates


def control_table(
    protocols: Iterable[object], attackers: Iterable[str] = ("memoryless", "clock")
) -> pd.DataFrame:
    """One row per (protocol, attacker): the protocol's parameters and its worst case.

    >>> from deception_sim.control import UpfrontAuditing
    >>> table = control_table([UpfrontAuditing(tasks=3, audits=1)])
    >>> table[["attacker", "safety", "policy"]].round(4)
         attacker  safety              policy
    0  memoryless  0.6151        rate 0.42265
    1       clock  0.0000  attack from task 2
    """
    return pd.DataFrame([worst_case(p, a).summary() for p in protocols for a in attackers])
