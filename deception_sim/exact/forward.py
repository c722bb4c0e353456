"""The forward recursion over (phase, objective level): exact totals and curves, linear in N.

The phase process does not depend on the agent, and the agent's objective
only erodes, so with the states ordered by phase and then by level every
transition matrix is triangular (SPEC 5). Two facts make the recursion a few
passes over memory:

* while the boundary has not come, the level distribution of an agent is that
  of an agent trained for ever, ``Y[level, t]``; the probability of being in
  training at level ``j`` is ``P(T > t) * Y[j, t]``;
* the deployment states ``Z[level, t]`` receive ``P(T = t) * Y[:, t]`` when the
  boundary comes, and otherwise move only to later levels.

Each state is then one first-order linear recurrence over the whole horizon,
solved by :func:`deception_sim.exact.scan.affine_scan` with cumulative products
and sums. The same recursion, with the mass removed at the first defection or
at the first success, gives the first-defection time and the ``"any"``
utility. What a defection or a compliance does in an episode comes from
:mod:`deception_sim.model.episode`, summed into per-episode rates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model import ObjectiveLevels, Payoffs, Schedule, UpdateRule, objective_levels
from ..model.episode import DefectionRates, Number, defection_rates, drift_rate
from .scan import affine_scan, compact

_NO_KILL, _KILL_DEFECTION, _KILL_SUCCESS = "none", "defection", "success"


@dataclass(frozen=True)
class Totals:
    """The scalar results of one evaluation (named as in :mod:`deception_sim.model.measures`)."""

    mesa: float
    base: float
    harm: float
    p_intact: float
    expected_updates: float
    p_defect: float
    expected_first_defection: float


def defect_probabilities(table: np.ndarray, schedule: Schedule) -> tuple[Number, Number]:
    """``P(A | episode, phase)`` for a live agent: the decision table mixed over cues.

    Returns ``(train, deploy)``, each of the table's leading shape without the
    cue axis.

    >>> s = Schedule.fixed(1, 1, cue_accuracy=0.75)
    >>> [a.tolist() for a in defect_probabilities(np.array([[0.0, 1.0], [0.0, 1.0]]), s)]
    [[0.25, 0.25], [0.75, 0.75]]
    """
    on_train_cue, on_deploy_cue = table[..., 0], table[..., 1]
    q = schedule.cue_accuracy
    return _mix(on_train_cue, on_deploy_cue, q), _mix(on_train_cue, on_deploy_cue, 1.0 - q)


def _mix(on_train_cue: Number, on_deploy_cue: Number, p_train_cue: float) -> Number:
    """Defection probability in a phase that shows the train cue with ``p_train_cue``."""
    if p_train_cue == 1.0:
        return on_train_cue
    if p_train_cue == 0.0:
        return on_deploy_cue
    if on_train_cue is on_deploy_cue or np.array_equal(on_train_cue, on_deploy_cue):
        return on_train_cue  # a strategy that ignores the cue
    return p_train_cue * on_train_cue + (1.0 - p_train_cue) * on_deploy_cue


@dataclass(frozen=True)
class _Phase:
    """One phase's window of episodes ``start..stop-1`` and its coefficients there.

    ``a`` (probability that a live agent defects) is one number when constant
    over the window, else an array over it (per level: shape ``(levels,
    window)``); ``rates`` and ``drift`` are what a defection and a compliance
    do there (:mod:`deception_sim.model.episode`); ``scale`` multiplies the
    states (the probability that training has not ended), ``None`` for 1.
    """

    start: int
    stop: int
    a: Number
    overseen: Number
    rates: DefectionRates
    drift: Number
    scale: np.ndarray | None

    @property
    def length(self) -> int:
        return self.stop - self.start

    def a_of(self, level: int) -> Number:
        a = self.a
        return a[level] if isinstance(a, np.ndarray) and a.ndim == 2 else a

    def live(self, states: np.ndarray) -> Number:
        """Over the window: the probability of being live (scaled)."""
        return _scaled(self._live(states), self.scale)

    def defect(self, states: np.ndarray) -> Number:
        """Over the window: the probability of defecting in each episode."""
        if np.ndim(self.a) == 2:
            defect = np.einsum("jt,jt->t", states[:, : self.length], self.a)
        else:
            defect = _scaled(self._live(states), self.a)
        return _scaled(defect, self.scale)

    def _live(self, states: np.ndarray) -> np.ndarray:
        span = states[:, : self.length]
        return span[0] if span.shape[0] == 1 else span.sum(axis=0)


def _scaled(values: Number, factor: Number | None) -> Number:
    """``values * factor`` without the work when the factor is None, or the number 0 or 1."""
    if factor is None:
        return values
    if np.ndim(factor) == 0:
        if factor == 0.0:
            return 0.0
        if factor == 1.0:
            return values
    return values * factor


def _nonzero(x: Number) -> Number | None:
    return None if np.ndim(x) == 0 and x == 0.0 else x


@dataclass(frozen=True)
class Recursion:
    """The solved recursion of one evaluation (used to compute totals and curves, never kept).

    ``kept_*`` are the states of the plain chain; ``clean_*`` with the mass
    removed at the first defection; ``safe_*`` (``"any"`` utility) at the
    first success. ``*_train`` is ``Y``, ``*_deploy`` is ``Z``.
    """

    schedule: Schedule
    payoffs: Payoffs
    train: _Phase
    deploy: _Phase
    kept_train: np.ndarray
    kept_deploy: np.ndarray
    clean_train: np.ndarray
    clean_deploy: np.ndarray
    safe_train: np.ndarray | None
    safe_deploy: np.ndarray | None


def run(table: np.ndarray, schedule: Schedule, update: UpdateRule, payoffs: Payoffs) -> Recursion:
    """Solve the forward recursion for a (per-level) decision table that has been checked."""
    n = schedule.horizon
    # One table for every level: only the levels reachable within the horizon matter.
    levels = objective_levels(update, payoffs.indifference, None if table.ndim == 3 else n)
    if table.ndim == 3 and table.shape[0] != len(levels):
        raise ValueError(
            f"a per-level decision table needs {len(levels)} levels, got {table.shape[0]}"
        )
    first, last = schedule.support()
    survival = schedule.survival()
    # Mixed over cues within each phase's window only, and kept as one number
    # where the table is constant there (most built-in strategies).
    train_cue, deploy_cue = (compact(table[..., :last, cue]) for cue in (0, 1))
    train_cue_deployed, deploy_cue_deployed = (compact(table[..., first:, cue]) for cue in (0, 1))
    honeypot = compact(schedule.honeypots()[first:])
    train = _Phase(
        start=0,
        stop=last,
        a=_mix(train_cue, deploy_cue, schedule.cue_accuracy),
        overseen=1.0,
        rates=defection_rates(1.0, update, payoffs),
        drift=drift_rate(1.0, update),
        scale=None if first == last else survival[:last],
    )
    deploy = _Phase(
        start=first,
        stop=n,
        a=_mix(train_cue_deployed, deploy_cue_deployed, 1.0 - schedule.cue_accuracy),
        overseen=honeypot,
        rates=defection_rates(honeypot, update, payoffs),
        drift=drift_rate(honeypot, update),
        scale=None,
    )
    model = _Chains(levels, schedule.train_pmf, train, deploy)
    kept = model.train_chain(_NO_KILL)
    # The first defection: the same recursion, with the mass removed when it defects.
    # In training that is the chain itself when every defection is detected and
    # nothing else moves the objective.
    same = _nonzero(train.drift) is None and _is_one(train.rates.update) and len(levels) == 1
    clean = kept if same else model.train_chain(_KILL_DEFECTION)
    safe_train = safe_deploy = None
    if payoffs.utility == "any":
        safe_train = kept if _nonzero(train.rates.success) is None else None
        if safe_train is None:
            safe_train = model.train_chain(_KILL_SUCCESS)
        safe_deploy = model.deploy_chain(safe_train, _KILL_SUCCESS)
    return Recursion(
        schedule=schedule,
        payoffs=payoffs,
        train=train,
        deploy=deploy,
        kept_train=kept,
        kept_deploy=model.deploy_chain(kept, _NO_KILL),
        clean_train=clean,
        clean_deploy=model.deploy_chain(clean, _KILL_DEFECTION),
        safe_train=safe_train,
        safe_deploy=safe_deploy,
    )


def _is_one(x: Number) -> bool:
    return bool(np.ndim(x) == 0 and x == 1.0)


@dataclass
class _Chains:
    """The pieces of one forward recursion, shared by its three variants."""

    levels: ObjectiveLevels
    pmf: np.ndarray
    train: _Phase
    deploy: _Phase

    @staticmethod
    def moves(a: Number, phase: _Phase, kill: str) -> tuple[Number, Number | None, Number | None]:
        """Per-episode probabilities (stay, update, drift) of a live agent (numbers or arrays)."""
        rates = phase.rates
        updated = None if kill == _KILL_DEFECTION else _nonzero(_scaled(a, rates.update))
        drift = _nonzero(phase.drift)
        drifted = None if drift is None else _nonzero(_scaled(1.0 - a, drift))
        removed: list[Number | None] = [updated, drifted]
        if kill == _KILL_DEFECTION:
            removed = [a, drifted]
        elif kill == _KILL_SUCCESS:
            removed.append(_nonzero(_scaled(a, rates.success)))
        parts = [r for r in removed if r is not None and np.any(r)]
        stay: Number = 1.0
        for part in parts:
            stay = stay - part
        if len(parts) > 1:  # rounding must not make a probability negative
            stay = np.maximum(stay, 0.0)
        return stay, updated, drifted

    def _levels(self, phase: _Phase, kill: str, inflow) -> np.ndarray:
        """Solve every level in order; ``inflow(j)`` gives its start value and arrivals."""
        states = np.zeros((len(self.levels), phase.length + 1))
        shared = None if np.ndim(phase.a) == 2 else self.moves(phase.a, phase, kill)
        received: list[np.ndarray | None] = [None] * len(self.levels)
        for j in range(len(self.levels)):
            stay, updated, drifted = shared or self.moves(phase.a_of(j), phase, kill)
            x0, arrivals = inflow(j)
            beta = received[j]
            if arrivals is not None:
                beta = arrivals if beta is None else beta + arrivals
            states[j] = affine_scan(stay, beta, x0, n=phase.length)
            for target, moved in (
                (self.levels.after_update[j], updated),
                (self.levels.after_drift[j], drifted),
            ):
                if moved is None or target < 0 or target == j:
                    continue
                flow = moved * states[j, :-1]
                received[target] = flow if received[target] is None else received[target] + flow
        return states

    def train_chain(self, kill: str) -> np.ndarray:
        """``Y[j, t]``: an agent trained for ever is at level ``j`` before episode ``t+1``."""
        return self._levels(self.train, kill, lambda j: (float(j == 0), None))

    def deploy_chain(self, train: np.ndarray, kill: str) -> np.ndarray:
        """``Z[j, t - first]``: deployed and at level ``j`` before episode ``t+1``."""
        first, last = self.deploy.start, self.train.stop
        # Arrivals at the boundary T = t + 1 land in Z[:, t + 1 - first].
        arrivals = self.pmf[first + 1 : last + 1]

        def inflow(j: int) -> tuple[float, np.ndarray | None]:
            x0 = float(self.pmf[first] * train[j, first])
            if last == first:
                return x0, None
            beta = np.empty(self.deploy.length)
            np.multiply(arrivals, train[j, first + 1 : last + 1], out=beta[: last - first])
            beta[last - first :] = 0.0
            return x0, beta

        return self._levels(self.deploy, kill, inflow)


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
    if payoffs.utility == "count":
        mesa = _both(
            rec,
            weight,
            _scaled(defect_train, train.rates.mesa),
            _scaled(defect_deploy, deploy.rates.mesa),
        )
    else:
        assert rec.safe_train is not None and rec.safe_deploy is not None
        mesa = _both(
            rec,
            weight,
            _scaled(train.defect(rec.safe_train), train.rates.success),
            _scaled(deploy.defect(rec.safe_deploy), deploy.rates.success),
        )
    defects = _both(rec, weight, defect_train, defect_deploy)
    base = (n if weight is None else float(weight.sum())) - defects
    harm = _both(
        rec,
        reach,
        _scaled(defect_train, train.rates.success),
        _scaled(defect_deploy, deploy.rates.success),
    )
    updates = _both(
        rec,
        reach,
        _scaled(defect_train, train.rates.update),
        _scaled(defect_deploy, deploy.rates.update),
    )
    if n == 0:
        p_intact = 1.0
    elif reach is None:
        p_intact = float(rec.kept_deploy[0, -1]) if len(rec.kept_deploy) else 0.0
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
    return Totals(
        mesa=float(mesa),
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
    kept_train, kept_deploy = rec.kept_train, rec.kept_deploy
    if n == 0 or kept_train.shape[0] == 0:
        return out
    last, first = rec.train.stop, rec.deploy.start
    out[:last] = rec.schedule.survival()[1 : last + 1] * kept_train[0, 1:]
    # Z[0, t + 1 - first] is intact and deployed after episode t (arrivals at T = t + 1
    # included), for t = first - 1 .. n - 1.
    if first == 0:
        out += kept_deploy[0, 1:]
    else:
        out[first - 1 :] += kept_deploy[0]
    return out


def curves(rec: Recursion) -> pd.DataFrame:
    """Per-episode curves of a solved recursion (see :attr:`deception_sim.Result.curves`)."""
    schedule = rec.schedule
    n = schedule.horizon
    train, deploy = rec.train, rec.deploy

    def both(train_part: Number, deploy_part: Number) -> np.ndarray:
        return _window(train_part, train, n) + _window(deploy_part, deploy, n)

    defect_train, defect_deploy = train.defect(rec.kept_train), deploy.defect(rec.kept_deploy)
    p_train = schedule.survival()[:n]
    columns = {
        "p_train": p_train,
        "p_overseen": p_train + (1.0 - p_train) * schedule.honeypots(),
        "p_live": both(train.live(rec.kept_train), deploy.live(rec.kept_deploy)),
        "p_defect": both(defect_train, defect_deploy),
        "p_update": both(
            _scaled(defect_train, train.rates.update), _scaled(defect_deploy, deploy.rates.update)
        ),
        "p_intact": _intact_after(rec),
        "mesa_gain": both(
            _scaled(defect_train, train.rates.mesa), _scaled(defect_deploy, deploy.rates.mesa)
        ),
        "base_gain": 1.0 - both(defect_train, defect_deploy),
        "harm": both(
            _scaled(defect_train, train.rates.success),
            _scaled(defect_deploy, deploy.rates.success),
        ),
        "p_first_defection": both(train.defect(rec.clean_train), deploy.defect(rec.clean_deploy)),
        "p_reach": schedule.reach(),
    }
    if rec.safe_train is not None and rec.safe_deploy is not None:
        columns["p_first_success"] = both(
            _scaled(train.defect(rec.safe_train), train.rates.success),
            _scaled(deploy.defect(rec.safe_deploy), deploy.rates.success),
        )
    return pd.DataFrame(columns, index=pd.RangeIndex(1, n + 1, name="episode"))
