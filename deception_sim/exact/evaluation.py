"""``evaluate``: exact expected payoffs of a policy on a model, by the right engine.

A policy without memory is evaluated by the forward recursion
(:mod:`deception_sim.exact.forward`, linear in the horizon); a policy with
memory (one that provides a :class:`~deception_sim.strategies.Controller`)
by the forward pass over its tree (:mod:`deception_sim.exact.tree`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..model import HardUpdate, Payoffs, Schedule, UpdateRule, limits, objective_levels
from ..strategies import Strategy, checked_table
from . import batch, forward, scalar, totals
from .result import Result
from .tree import evaluate_controller

_HARD_UPDATE = HardUpdate()
_PAYOFFS = Payoffs()
_UNCHECKED = object()


def check_model(
    policy: object = _UNCHECKED,
    schedule: object = _UNCHECKED,
    update: object = _UNCHECKED,
    payoffs: object = _UNCHECKED,
) -> None:
    """Raise :class:`ValueError` naming the argument if a model object has the wrong type
    (``None`` included: the callers have put defaults in place of the optional ones).

    >>> check_model(schedule="T=2")
    Traceback (most recent call last):
    ...
    ValueError: schedule must be a Schedule, got str
    """
    for name, value, expected in (
        ("policy", policy, Strategy),
        ("schedule", schedule, Schedule),
        ("update", update, UpdateRule),
        ("payoffs", payoffs, Payoffs),
    ):
        if value is not _UNCHECKED and not isinstance(value, expected):
            raise ValueError(f"{name} must be a {expected.__name__}, got {type(value).__name__}")


def evaluate(
    policy: Strategy,
    schedule: Schedule,
    update: UpdateRule | None = None,
    payoffs: Payoffs | None = None,
    *,
    curves: bool = False,
) -> Result:
    """Exact expected payoffs of ``policy`` on ``schedule`` under ``update``.

    Linear in the horizon and vectorized over it; exact to rounding. A policy
    with memory (one that provides a :class:`~deception_sim.strategies.Controller`,
    such as the clock agent's optimum) is evaluated exactly on its tree of
    observation histories instead, which is for small horizons. With
    ``curves=True`` the result also holds the per-episode curves (otherwise
    :attr:`Result.curves` computes them when first read).

    Examples
    --------
    The lecture's maze: two training episodes, then three of deployment.

    >>> from deception_sim import Plan, Schedule, evaluate
    >>> maze = Schedule.fixed(train=2, deploy=3)
    >>> evaluate(Plan("AAAAA"), maze).mesa
    1.0
    >>> evaluate(Plan("BBAAA"), maze).mesa
    3.0
    """
    update = _HARD_UPDATE if update is None else update
    payoffs = _PAYOFFS if payoffs is None else payoffs
    if not (
        isinstance(policy, Strategy)
        and isinstance(schedule, Schedule)
        and isinstance(update, UpdateRule)
        and isinstance(payoffs, Payoffs)
    ):
        check_model(policy, schedule, update, payoffs)
    if curves is not True and curves is not False:
        raise ValueError(f"curves must be True or False, got {curves!r}")
    tree = policy.controller(schedule, update, payoffs)
    table = None
    if tree is not None:
        found = evaluate_controller(tree, schedule, update, payoffs)
        scalars, frame = from_tree_curves(found, schedule, payoffs)
        table = frame if curves else None
    else:
        # A short horizon: the recursion as a loop in Python floats (see exact.scalar).
        short = None if curves else scalar.scalar_totals(policy, schedule, update, payoffs)
        if short is not None:
            scalars = short
        else:
            _check_size(schedule, update, payoffs, curves)
            levels = len(batch.levels_of(update, payoffs))
            recursion = forward.run(
                checked_table(policy, schedule, levels), schedule, update, payoffs
            )
            scalars = totals.totals(recursion)
            table = totals.curves(recursion) if curves else None
    return Result.of(policy, schedule, update, payoffs, scalars, table)


def _check_size(schedule: Schedule, update: UpdateRule, payoffs: Payoffs, curves: bool) -> None:
    """Refuse an evaluation that would exceed the memory budget (see ``model.limits``)."""
    n = schedule.horizon
    levels = len(objective_levels(update, payoffs.indifference, n))
    estimate = limits.evaluation_bytes(n, levels, curves=curves)
    limits.check_memory(f"evaluate over {n} episodes and {levels} levels", "horizon", estimate)


def from_tree_curves(
    curves: dict[str, np.ndarray], schedule: Schedule, payoffs: Payoffs
) -> tuple[totals.Totals, pd.DataFrame]:
    """Totals and the curves' table from a tree's per-episode curves (conditional on reaching
    each episode)."""
    n = schedule.horizon
    reach = schedule.reach()
    weight = reach * payoffs.discount ** np.arange(n)
    gains = curves["mesa_gain"] if payoffs.utility == "count" else curves["p_first_success"]
    mesa = float(weight @ gains)
    if payoffs.utility == "any" and payoffs.v_detected != 0.0:
        mesa += payoffs.v_detected * float(weight @ curves["p_open_update"])
    mesa += totals.clean_value(curves["p_first_defection"], schedule, payoffs)
    ends = reach * (1.0 - schedule.continue_prob)
    if n:
        ends[-1] = reach[-1]
    first = curves["p_first_defection"]
    p_defect = float(reach @ first)
    frame = {
        "p_train": curves["p_train"],
        "p_overseen": curves["p_overseen"],
        "p_live": curves["p_live"],
        "p_defect": curves["p_defect"],
        "p_update": curves["p_update"],
        "p_intact": curves["p_intact"],
        "mesa_gain": curves["mesa_gain"],
        "base_gain": curves["base_gain"],
        "harm": curves["harm"],
        "p_first_defection": first,
        "p_reach": reach,
    }
    if payoffs.utility == "any":
        frame["p_first_success"] = curves["p_first_success"]
    scalars = totals.Totals(
        mesa=mesa + 0.0,  # no -0.0
        base=float(weight @ curves["base_gain"]),
        harm=float(reach @ curves["harm"]),
        p_intact=min(1.0, max(0.0, float(ends @ curves["p_intact"]))) if n else 1.0,
        expected_updates=float(reach @ curves["p_update"]),
        p_defect=min(1.0, p_defect),
        expected_first_defection=(
            float((reach * schedule.episodes()) @ first) / p_defect if p_defect > 0 else math.nan
        ),
    )
    return scalars, pd.DataFrame(frame, index=pd.RangeIndex(1, n + 1, name="episode"))
