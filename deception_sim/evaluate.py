"""Exact evaluation (SPEC 3.1): a forward recursion over (phase, objective level).

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
solved by :func:`deception_sim._scan.affine_scan` with cumulative products and
sums. The same recursion, with the mass removed at the first defection or at
the first successful unoverseen defection, gives the first-defection time and
the ``"any"`` utility.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from ._scan import affine_scan
from .payoffs import Payoffs
from .schedule import Schedule
from .strategies import Strategy
from .update import HardUpdate, ObjectiveLevels, UpdateRule, objective_levels

_NO_KILL, _KILL_DEFECTION, _KILL_SUCCESS = "none", "defection", "success"


@dataclass(frozen=True)
class Result:
    """Exact expected payoffs and diagnostics of one policy on one model.

    Attributes
    ----------
    mesa:
        Expected mesa utility under the *original* mesa objective (expected
        discounted value for ``utility="count"``, the discounted probability
        of at least one successful unoverseen defection for ``"any"``).
    base:
        Expected discounted number of compliant episodes (base objective).
    harm:
        Expected number of successful unoverseen defections (undiscounted).
    p_intact:
        Probability that the objective is untouched at the end of the run.
    expected_updates:
        Expected number of updates (detected overseen defections).
    p_defect:
        Probability that the agent defects at least once during the run.
    expected_first_defection:
        Expected episode (1-based) of the first defection, given that there is
        one (NaN when ``p_defect`` is 0).
    curves:
        Per-episode curves, a DataFrame indexed by episode (see :attr:`curves`).

    The run reaches episode ``t`` with probability ``continue_prob ** (t-1)``;
    per-episode curves are conditional on reaching the episode, totals are not.
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
    _parts: dict[str, np.ndarray] = field(repr=False, compare=False)

    @cached_property
    def curves(self) -> pd.DataFrame:
        """Per-episode curves, indexed by ``episode`` = 1..N.

        Columns: ``p_train`` (training episode), ``p_overseen``, ``p_live``
        (the objective still prefers to defect, before the episode),
        ``p_defect``, ``p_update``, ``p_intact`` (objective untouched after
        the episode), ``mesa_gain`` (expected mesa value, count utility,
        undiscounted), ``base_gain`` (probability of compliance), ``harm``,
        ``p_first_defection`` and ``p_reach`` (the run reaches the episode);
        with ``utility="any"`` also ``p_first_success``.
        """
        return _curves(self._parts, self.schedule, self.update, self.payoffs)

    def summary(self) -> dict[str, float | str]:
        """The scalar results with the model's description, for one table row."""
        return {
            "policy": self.policy.name,
            "schedule": self.schedule.describe(),
            "update": repr(self.update),
            "mesa": self.mesa,
            "base": self.base,
            "harm": self.harm,
            "p_intact": self.p_intact,
            "expected_updates": self.expected_updates,
            "p_defect": self.p_defect,
            "expected_first_defection": self.expected_first_defection,
        }


def evaluate(
    policy: Strategy,
    schedule: Schedule,
    update: UpdateRule | None = None,
    payoffs: Payoffs | None = None,
) -> Result:
    """Exact expected payoffs of ``policy`` on ``schedule`` under ``update``.

    Linear in the horizon and vectorized over it; exact to rounding.

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
    update = HardUpdate() if update is None else update
    payoffs = Payoffs() if payoffs is None else payoffs
    _check_types(policy=policy, schedule=schedule, update=update, payoffs=payoffs)
    table = np.asarray(policy.decision_table(schedule), dtype=float)
    parts = _forward(table, schedule, update, payoffs)
    return Result(policy=policy, schedule=schedule, update=update, payoffs=payoffs, **parts)


def _check_types(**named: object) -> None:
    expected = {
        "policy": Strategy,
        "schedule": Schedule,
        "update": UpdateRule,
        "payoffs": Payoffs,
    }
    for name, value in named.items():
        if not isinstance(value, expected[name]):
            raise ValueError(
                f"{name} must be a {expected[name].__name__}, got {type(value).__name__}"
            )


def defect_probabilities(table: np.ndarray, schedule: Schedule) -> tuple[np.ndarray, np.ndarray]:
    """``P(A | episode, phase)`` for a live agent: the decision table mixed over cues.

    Returns ``(train, deploy)``, each of the table's leading shape without the
    cue axis.

    >>> s = Schedule.fixed(1, 1, cue_accuracy=0.75)
    >>> [a.tolist() for a in defect_probabilities(np.array([[0.0, 1.0], [0.0, 1.0]]), s)]
    [[0.25, 0.25], [0.75, 0.75]]
    """
    q = schedule.cue_accuracy
    on_train, on_deploy = table[..., 0], table[..., 1]
    if q == 1.0:
        return on_train, on_deploy
    return q * on_train + (1 - q) * on_deploy, (1 - q) * on_train + q * on_deploy


def _forward(
    table: np.ndarray, schedule: Schedule, update: UpdateRule, payoffs: Payoffs
) -> dict[str, object]:
    n = schedule.horizon
    if table.shape[-2:] != (n, 2):
        raise ValueError(f"the policy's decision table has shape {table.shape}, not ({n}, 2)")
    levels = objective_levels(update, payoffs.indifference)
    if table.ndim == 3 and table.shape[0] != len(levels):
        raise ValueError(
            f"a per-level decision table needs {len(levels)} levels, got {table.shape[0]}"
        )
    a_train, a_deploy = defect_probabilities(table, schedule)
    survival = schedule.survival()
    honeypot = schedule.honeypots()
    first, last = schedule.support()
    pmf = schedule.train_pmf

    model = _Model(levels, update, payoffs, a_train, a_deploy, honeypot, pmf, first, last, n)
    train_states = model.train_chain(_NO_KILL)
    deploy_states = model.deploy_chain(train_states, _NO_KILL)
    # Per episode: probability of being live in each phase, and of defecting there.
    live_train, defect_train = model.phase_mass(train_states, a_train, 0, last, survival[:last])
    live_deploy, defect_deploy = model.phase_mass(deploy_states, a_deploy, first, n)
    intact_after = np.zeros(n)
    if len(levels):
        intact_after[: last] += survival[1 : last + 1] * train_states[0, 1:]
        intact_after[first:] += deploy_states[0, 1:]

    # The first defection: the same recursion, with the mass removed when it defects.
    clean_train = model.train_chain(_KILL_DEFECTION)
    clean_deploy = model.deploy_chain(clean_train, _KILL_DEFECTION)
    first_defection = model.phase_mass(clean_train, a_train, 0, last, survival[:last])[1]
    first_defection += model.phase_mass(clean_deploy, a_deploy, first, n)[1]

    parts: dict[str, np.ndarray] = {
        "p_train": survival[:n],
        "honeypot": honeypot,
        "live_train": live_train,
        "live_deploy": live_deploy,
        "defect_train": defect_train,
        "defect_deploy": defect_deploy,
        "intact_after": intact_after,
        "first_defection": first_defection,
    }
    if payoffs.utility == "any":
        safe_deploy = model.deploy_chain(train_states, _KILL_SUCCESS)
        first_success = model.phase_mass(safe_deploy, a_deploy, first, n)[1]
        first_success *= (1.0 - honeypot) * payoffs.success
        parts["first_success"] = first_success
    return _totals(parts, schedule, update, payoffs)


@dataclass
class _Model:
    """The pieces of one forward recursion, shared by its three variants."""

    levels: ObjectiveLevels
    update: UpdateRule
    payoffs: Payoffs
    a_train: np.ndarray
    a_deploy: np.ndarray
    honeypot: np.ndarray
    pmf: np.ndarray
    first: int
    last: int
    n: int

    def moves(
        self, a: np.ndarray, overseen: np.ndarray | float, kill: str
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """Per-episode probabilities (stay, update, drift) for a live agent."""
        d, e = self.update.detect, self.update.drift
        updated = None if kill == _KILL_DEFECTION or d == 0 else overseen * a * d
        drifted = None if e == 0 else overseen * (1.0 - a) * e
        if kill == _KILL_DEFECTION:
            stay = 1.0 - a
            if drifted is not None:
                stay = stay - drifted
        else:
            stay = 1.0 - updated if updated is not None else np.ones_like(a)
            if drifted is not None:
                stay -= drifted
            if kill == _KILL_SUCCESS and self.payoffs.success > 0:
                stay -= (1.0 - overseen) * a * self.payoffs.success
        np.maximum(stay, 0.0, out=stay)  # rounding must not make a probability negative
        return stay, updated, drifted

    def _levels(self, states: np.ndarray, a: np.ndarray, overseen, kill: str, start, inflow):
        """Solve every level in order; ``inflow(j)`` is the boundary's contribution."""
        per_level = a.ndim == 2
        shared = None if per_level else self.moves(a, overseen, kill)
        received: list[np.ndarray | None] = [None] * len(self.levels)
        for j in range(len(self.levels)):
            stay, updated, drifted = self.moves(a[j], overseen, kill) if per_level else shared
            x0, boundary = inflow(j)
            beta = received[j]
            if boundary is not None:
                beta = boundary if beta is None else beta + boundary
            states[j] = affine_scan(stay, beta, x0)
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
        states = np.zeros((len(self.levels), self.last + 1))
        a = self.a_train[..., : self.last]
        return self._levels(states, a, 1.0, kill, 0, lambda j: (float(j == 0), None))

    def deploy_chain(self, train: np.ndarray, kill: str) -> np.ndarray:
        """``Z[j, t - first]``: deployed and at level ``j`` before episode ``t+1``."""
        first, last, n = self.first, self.last, self.n
        states = np.zeros((len(self.levels), n - first + 1))
        a = self.a_deploy[..., first:]
        overseen = self.honeypot[first:]
        # Arrivals at the boundary T = t + 1 land in Z[:, t + 1 - first].
        arrivals = self.pmf[first + 1 : last + 1]

        def inflow(j: int) -> tuple[float, np.ndarray | None]:
            x0 = float(self.pmf[first] * train[j, first])
            if last == first:
                return x0, None
            beta = np.zeros(n - first)
            beta[: last - first] = arrivals * train[j, first + 1 : last + 1]
            return x0, beta

        if not overseen.any():
            overseen = 0.0
        return self._levels(states, a, overseen, kill, first, inflow)

    def phase_mass(self, states, a, start, stop, scale=None):
        """Per episode (length n): live mass in a phase, and the mass that defects there."""
        live = np.zeros(self.n)
        defect = np.zeros(self.n)
        if len(self.levels) == 0 or stop <= start:
            return live, defect
        span = states[:, : stop - start]
        if a.ndim == 2:
            live[start:stop] = span.sum(axis=0)
            defect[start:stop] = np.einsum("jt,jt->t", span, a[:, start:stop])
        else:
            live[start:stop] = span[0] if span.shape[0] == 1 else span.sum(axis=0)
            defect[start:stop] = live[start:stop] * a[start:stop]
        if scale is not None:
            live[start:stop] *= scale
            defect[start:stop] *= scale
        return live, defect


def _totals(
    parts: dict[str, np.ndarray], schedule: Schedule, update: UpdateRule, payoffs: Payoffs
) -> dict[str, object]:
    n = schedule.horizon
    reach = schedule.reach()
    weight = reach if payoffs.discount == 1.0 else reach * payoffs.discount ** np.arange(n)
    honeypot = parts["honeypot"]
    defect_train, defect_deploy = parts["defect_train"], parts["defect_deploy"]
    unoverseen_value = payoffs.success * payoffs.v_deploy
    deploy_value = honeypot * payoffs.v_overseen + (1 - honeypot) * unoverseen_value
    if payoffs.utility == "count":
        mesa = payoffs.v_overseen * (weight @ defect_train)
        mesa += weight @ (defect_deploy * deploy_value)
    else:
        mesa = float(weight @ parts["first_success"])
    defects = defect_train + defect_deploy
    base = float(weight.sum() - weight @ defects)
    harm = float(reach @ (defect_deploy * (1 - honeypot))) * payoffs.success
    updates = update.detect * float(reach @ (defect_train + honeypot * defect_deploy))
    # The run ends after episode t with probability reach[t] * (1 - continue_prob),
    # and after the last episode with probability reach[-1].
    if n == 0:
        p_intact = 1.0
    else:
        ends = reach * (1.0 - schedule.continue_prob)
        ends[-1] = reach[-1]
        p_intact = float(ends @ parts["intact_after"])
    first = parts["first_defection"]
    p_defect = float(reach @ first)
    if p_defect > 0:
        expected_first = float((reach * np.arange(1, n + 1)) @ first) / p_defect
    else:
        expected_first = math.nan
    return {
        "mesa": float(mesa),
        "base": base,
        "harm": harm,
        "p_intact": min(1.0, max(0.0, p_intact)),
        "expected_updates": updates,
        "p_defect": min(1.0, p_defect),
        "expected_first_defection": expected_first,
        "_parts": parts,
    }


def _curves(
    parts: dict[str, np.ndarray], schedule: Schedule, update: UpdateRule, payoffs: Payoffs
) -> pd.DataFrame:
    honeypot = parts["honeypot"]
    p_train = parts["p_train"]
    defect_train, defect_deploy = parts["defect_train"], parts["defect_deploy"]
    defects = defect_train + defect_deploy
    columns = {
        "p_train": p_train,
        "p_overseen": p_train + (1 - p_train) * honeypot,
        "p_live": parts["live_train"] + parts["live_deploy"],
        "p_defect": defects,
        "p_update": update.detect * (defect_train + honeypot * defect_deploy),
        "p_intact": parts["intact_after"],
        "mesa_gain": payoffs.v_overseen * (defect_train + honeypot * defect_deploy)
        + payoffs.v_deploy * payoffs.success * (1 - honeypot) * defect_deploy,
        "base_gain": 1.0 - defects,
        "harm": payoffs.success * (1 - honeypot) * defect_deploy,
        "p_first_defection": parts["first_defection"],
        "p_reach": schedule.reach(),
    }
    if "first_success" in parts:
        columns["p_first_success"] = parts["first_success"]
    index = pd.RangeIndex(1, schedule.horizon + 1, name="episode")
    return pd.DataFrame(columns, index=index)
