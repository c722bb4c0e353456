"""From a solved forward recursion to the numbers: the totals and the per-episode curves.

:func:`totals` reduces a :class:`~deception_sim.exact.forward.Recursion` to the
scalars of :data:`deception_sim.model.measures.RESULT`, :func:`curves` to the
per-episode table of :attr:`deception_sim.Result.curves`;
:func:`clean_value` (the value ``v_clean`` of a run in which the agent never
defects) is shared with the evaluation of policies with memory.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..model import Payoffs, Schedule
from ..model.episode import Number
from .forward import Recursion, States, _Phase


class Totals(NamedTuple):
    """The scalar results of one evaluation (named as in :mod:`deception_sim.model.measures`)."""

    mesa: float
    base: float
    harm: float
    p_intact: float
    expected_updates: float
    p_defect: float
    expected_first_defection: float


def _wsum(values: Number, weight: np.ndarray | None, phase: _Phase) -> float:
    """``sum_t weight[t] * values[t]`` over the phase's window (``weight=None``: all 1)."""
    if not isinstance(values, np.ndarray) or values.ndim == 0:
        if weight is None:
            return float(values) * phase.length
        return float(values) * float(weight[phase.start : phase.stop].sum())
    if weight is None:
        return float(values.sum())
    return float(weight[phase.start : phase.stop] @ values)


def _both(rec: Recursion, weight: np.ndarray | None, train: Number, deploy: Number) -> float:
    return _wsum(train, weight, rec.train) + _wsum(deploy, weight, rec.deploy)


def _goal(rec: Recursion) -> tuple[States, States]:
    """The safe chain's states with one success to go (whose next success meets the goal)."""
    assert rec.safe_train is not None and rec.safe_deploy is not None
    if rec.payoffs.needed == 1:
        return rec.safe_train, rec.safe_deploy
    last = (rec.payoffs.needed - 1) * rec.levels
    return rec.safe_train.since(last), rec.safe_deploy.since(last)


def _open(rec: Recursion) -> tuple[States, States]:
    """The safe chain's states summed over the counts of successes (the goal is open)."""
    assert rec.safe_train is not None and rec.safe_deploy is not None
    if rec.payoffs.needed == 1:
        return rec.safe_train, rec.safe_deploy
    return rec.safe_train.by_level(), rec.safe_deploy.by_level()


def _parts(rec: Recursion, name: str, train: States, deploy: States) -> tuple[Number, Number]:
    """Per episode, in each phase's window: ``name`` (see :meth:`_Phase.part`) of these states."""
    return (
        rec.train.part(name, train, rec.train.defect(train)),
        rec.deploy.part(name, deploy, rec.deploy.defect(deploy)),
    )


def clean_value(first_defection: np.ndarray, schedule: Schedule, payoffs: Payoffs) -> float:
    """``v_clean * E[g_L; the agent never defects]``, from ``P(first defection in t | reach t)``.

    The run ends after episode ``t`` with probability ``reach[t] * (1 - c)`` (or
    after the last), and is clean then with probability ``1 - P(a defection by t)``;
    ``g_L`` is the discount weight of its last episode (1 for an empty run).

    >>> clean_value(np.array([0.5, 0.25]), Schedule.fixed(1, 1), Payoffs(v_clean=4.0))
    1.0
    """
    if payoffs.v_clean == 0.0:
        return 0.0
    n = schedule.horizon
    if n == 0:
        return payoffs.v_clean
    reach = schedule.reach()
    ends = reach * (1.0 - schedule.continue_prob)
    ends[-1] = reach[-1]
    clean_after = 1.0 - np.cumsum(first_defection)
    weight = ends * payoffs.discount ** np.arange(n)
    return payoffs.v_clean * float(weight @ clean_after)


def totals(rec: Recursion) -> Totals:
    """The scalar results of a solved recursion."""
    schedule, payoffs = rec.schedule, rec.payoffs
    train, deploy = rec.train, rec.deploy
    n = schedule.horizon
    c = schedule.continue_prob
    reach = None if c == 1.0 else schedule.reach()
    if payoffs.discount == 1.0:
        weight = reach
    else:
        weight = (1.0 if reach is None else reach) * payoffs.discount ** np.arange(n)
    defect_train, defect_deploy = train.defect(rec.kept_train), deploy.defect(rec.kept_deploy)
    sums: dict[tuple[int, int], float] = {}

    def kept_sum(name: str, by: np.ndarray | None) -> float:
        """``sum_t by[t] * (name's part of the plain chain)``; where a defection's rate is
        one number, that number times the weighted defections (summed once)."""
        total = 0.0
        for phase, states, defect in (
            (train, rec.kept_train, defect_train),
            (deploy, rec.kept_deploy, defect_deploy),
        ):
            rate = None if phase.rates is None else getattr(phase.rates, name)
            if phase.kinds is None and rate is not None and np.ndim(rate) == 0:
                key = (id(defect), id(by))
                if key not in sums:
                    sums[key] = _wsum(defect, by, phase)
                total += float(rate) * sums[key]
            else:
                total += _wsum(phase.part(name, states, defect), by, phase)
        return total

    if payoffs.utility == "count":
        mesa = kept_sum("mesa", weight)
    else:
        mesa = _both(rec, weight, *_parts(rec, "success", *_goal(rec)))
        if payoffs.v_detected != 0.0:
            mesa += _both(rec, weight, *_parts(rec, "open_value", *_open(rec)))
    defects = _both(rec, weight, defect_train, defect_deploy)
    base = (n if weight is None else float(weight.sum())) - defects
    harm = kept_sum("success", reach)
    updates = kept_sum("update", reach)
    if n == 0:
        p_intact = 1.0
    elif reach is None:
        intact = rec.kept_deploy.row(0)
        p_intact = 0.0 if intact is None else float(intact[-1])
    else:
        # The run ends after episode t with probability reach[t] * (1 - c), or after the last.
        ends = reach * (1.0 - c)
        ends[-1] = reach[-1]
        p_intact = float(ends @ _intact_after(rec))
    same = rec.clean_train is rec.kept_train
    first_train = defect_train if same else train.defect(rec.clean_train)
    first_deploy = deploy.defect(rec.clean_deploy)
    p_defect = _both(rec, reach, first_train, first_deploy)
    if p_defect > 0:
        episode = schedule.episodes()
        timed = episode if reach is None else episode * reach
        expected_first = _both(rec, timed, first_train, first_deploy) / p_defect
    else:
        expected_first = math.nan
    if payoffs.v_clean != 0.0:
        first = _window(first_train, train, n) + _window(first_deploy, deploy, n)
        mesa += clean_value(first, schedule, payoffs)
    return Totals(
        mesa=float(mesa) + 0.0,  # no -0.0 (a negative value times no defection)
        base=float(base),
        harm=float(harm),
        p_intact=min(1.0, max(0.0, p_intact)),
        expected_updates=float(updates),
        p_defect=min(1.0, p_defect),
        expected_first_defection=float(expected_first),
    )


def _window(values: Number, phase: _Phase, n: int) -> np.ndarray:
    """A phase's per-episode values padded with zeros to the whole horizon."""
    out = np.zeros(n)
    out[phase.start : phase.stop] = values
    return out


def _intact_after(rec: Recursion) -> np.ndarray:
    """``P(k = m = 0 after episode t)``, t = 1..n (level 0 is the intact objective)."""
    n = rec.schedule.horizon
    out = np.zeros(n)
    kept_train, kept_deploy = rec.kept_train.row(0), rec.kept_deploy.row(0)
    if n == 0:
        return out
    last, first = rec.train.stop, rec.deploy.start
    if kept_train is not None:
        out[:last] = rec.schedule.survival()[1 : last + 1] * kept_train[1:]
    # Z[0, t + 1 - first] is intact and deployed after episode t (arrivals at T = t + 1
    # included), for t = first - 1 .. n - 1.
    if kept_deploy is None:
        return out
    if first == 0:
        out += kept_deploy[1:]
    else:
        out[first - 1 :] += kept_deploy
    return out


def curves(rec: Recursion) -> pd.DataFrame:
    """Per-episode curves of a solved recursion (see :attr:`deception_sim.Result.curves`)."""
    schedule = rec.schedule
    n = schedule.horizon
    train, deploy = rec.train, rec.deploy

    def both(train_part: Number, deploy_part: Number) -> np.ndarray:
        return _window(train_part, train, n) + _window(deploy_part, deploy, n)

    defect_train, defect_deploy = train.defect(rec.kept_train), deploy.defect(rec.kept_deploy)

    def kept(name: str) -> np.ndarray:
        return both(
            train.part(name, rec.kept_train, defect_train),
            deploy.part(name, rec.kept_deploy, defect_deploy),
        )

    p_train = schedule.survival()[:n]
    columns = {
        "p_train": p_train,
        "p_overseen": p_train + (1.0 - p_train) * schedule.deploy_oversight(),
        "p_live": both(train.live(rec.kept_train), deploy.live(rec.kept_deploy)),
        "p_defect": both(defect_train, defect_deploy),
        "p_update": kept("update"),
        "p_intact": _intact_after(rec),
        "mesa_gain": kept("mesa"),
        "base_gain": 1.0 - both(defect_train, defect_deploy),
        "harm": kept("success"),
        "p_first_defection": both(train.defect(rec.clean_train), deploy.defect(rec.clean_deploy)),
        "p_reach": schedule.reach(),
    }
    if rec.safe_train is not None and rec.safe_deploy is not None:
        # The success that meets the goal (the first, or the needed-th).
        columns["p_first_success"] = both(*_parts(rec, "success", *_goal(rec)))
    return pd.DataFrame(columns, index=pd.RangeIndex(1, n + 1, name="episode"))
