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
solved by :func:`deception_sim.exact.scan.affine_scan` with cumulative products and
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

from ..model.payoffs import Payoffs
from ..model.schedule import Schedule
from ..model.update import HardUpdate, ObjectiveLevels, UpdateRule, objective_levels
from ..strategies.builtin import Strategy
from ..strategies.controller import evaluate_controller
from .scan import affine_scan, compact

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
    _parts: dict[str, object] = field(repr=False, compare=False)

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
        if "curves" in self._parts:  # a policy with memory, evaluated on its tree
            return self._parts["curves"]
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

    Linear in the horizon and vectorized over it; exact to rounding. A policy
    with memory (one that provides a :class:`~deception_sim.strategies.controller.Controller`,
    such as the clock agent's optimum) is evaluated exactly on its tree of
    observation histories instead, which is for small horizons.

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
    tree = policy.controller(schedule, update, payoffs)
    if tree is not None:
        curves = evaluate_controller(tree, schedule, update, payoffs)
        parts = _from_curves(curves, schedule, update, payoffs)
    else:
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
    on_train_cue, on_deploy_cue = table[..., 0], table[..., 1]
    q = schedule.cue_accuracy
    return _mix(on_train_cue, on_deploy_cue, q), _mix(on_train_cue, on_deploy_cue, 1.0 - q)


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
    first, last = schedule.support()
    survival = schedule.survival()
    # Mixed over cues within each phase's window only, and kept as one number
    # where the table is constant there (most built-in strategies).
    columns_train = [compact(table[..., :last, cue]) for cue in (0, 1)]
    columns_deploy = [compact(table[..., first:, cue]) for cue in (0, 1)]
    train = _Phase(
        start=0,
        stop=last,
        a=_mix(*columns_train, schedule.cue_accuracy),
        overseen=1.0,
        scale=None if first == last else survival[:last],
    )
    deploy = _Phase(
        start=first,
        stop=n,
        a=_mix(*columns_deploy, 1.0 - schedule.cue_accuracy),
        overseen=compact(schedule.honeypots()[first:]),
        scale=None,
    )
    model = _Model(levels, update, payoffs, schedule.train_pmf, train, deploy)
    kept = model.train_chain(_NO_KILL)
    parts: dict[str, object] = {
        "train": train,
        "deploy": deploy,
        "survival": survival,
        "kept_train": kept,
        "kept_deploy": model.deploy_chain(kept, _NO_KILL),
    }
    # The first defection: the same recursion, with the mass removed when it defects.
    # In training that is the chain itself when every defection is detected.
    same = update.detect == 1.0 and update.drift == 0.0 and len(levels) == 1
    clean = kept if same else model.train_chain(_KILL_DEFECTION)
    parts["clean_train"] = clean
    parts["clean_deploy"] = model.deploy_chain(clean, _KILL_DEFECTION)
    if payoffs.utility == "any":
        parts["safe_deploy"] = model.deploy_chain(kept, _KILL_SUCCESS)
    return _totals(parts, schedule, update, payoffs)


def _mix(on_train_cue, on_deploy_cue, p_train_cue: float):
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

    ``a`` (probability that a live agent defects) and ``overseen`` are one
    number when constant over the window, else arrays over it (``a`` per level
    has shape ``(levels, window)``); ``scale`` multiplies the states (the
    probability that training has not ended), ``None`` for 1.
    """

    start: int
    stop: int
    a: np.ndarray | float
    overseen: np.ndarray | float
    scale: np.ndarray | None

    @property
    def length(self) -> int:
        return self.stop - self.start

    def a_of(self, level: int) -> np.ndarray | float:
        return self.a[level] if np.ndim(self.a) == 2 else self.a

    def mass(self, states: np.ndarray) -> tuple[np.ndarray, np.ndarray | float]:
        """Over the window: live probability, and the probability of defecting."""
        live = self._live(states)
        return _scaled(live, self.scale), self.defect(states, live)

    def defect(self, states: np.ndarray, live: np.ndarray | None = None) -> np.ndarray | float:
        """Over the window: the probability of defecting in each episode."""
        span = states[:, : self.length]
        if np.ndim(self.a) == 2:
            defect = np.einsum("jt,jt->t", span, self.a)
        else:
            defect = _scaled(self._live(states) if live is None else live, self.a)
        return _scaled(defect, self.scale)

    def _live(self, states: np.ndarray) -> np.ndarray:
        """Live probability over the window, before the ``scale`` of training."""
        span = states[:, : self.length]
        return span[0] if span.shape[0] == 1 else span.sum(axis=0)


def _scaled(
    values: np.ndarray | float, factor: np.ndarray | float | None
) -> np.ndarray | float:
    """``values * factor`` without the work when the factor is None, or the number 0 or 1."""
    if factor is None:
        return values
    if np.ndim(factor) == 0:
        if factor == 0.0:
            return 0.0
        if factor == 1.0:
            return values
    return values * factor


@dataclass
class _Model:
    """The pieces of one forward recursion, shared by its three variants."""

    levels: ObjectiveLevels
    update: UpdateRule
    payoffs: Payoffs
    pmf: np.ndarray
    train: _Phase
    deploy: _Phase

    def moves(self, a, overseen, kill: str):
        """Per-episode probabilities (stay, update, drift) of a live agent (numbers or arrays)."""
        d, e = self.update.detect, self.update.drift
        if np.ndim(overseen) == 0 and overseen == 0.0:
            updated = drifted = None
        else:
            updated = None if kill == _KILL_DEFECTION or d == 0 else overseen * a * d
            # Drift is not random: every overseen compliance moves the objective.
            drifted = None if e == 0 else overseen * (1.0 - a)
        removed = [updated, drifted]
        if kill == _KILL_DEFECTION:
            removed = [a, drifted]
        elif kill == _KILL_SUCCESS and self.payoffs.success > 0:
            removed.append((1.0 - overseen) * a * self.payoffs.success)
        removed = [r for r in removed if r is not None and np.any(r)]
        stay = 1.0
        for part in removed:
            stay = stay - part
        if len(removed) > 1:  # rounding must not make a probability negative
            stay = np.maximum(stay, 0.0)
        return stay, updated, drifted

    def _levels(self, phase: _Phase, kill: str, inflow) -> np.ndarray:
        """Solve every level in order; ``inflow(j)`` gives its start value and arrivals."""
        states = np.zeros((len(self.levels), phase.length + 1))
        shared = None if np.ndim(phase.a) == 2 else self.moves(phase.a, phase.overseen, kill)
        received: list[np.ndarray | None] = [None] * len(self.levels)
        for j in range(len(self.levels)):
            stay, updated, drifted = shared or self.moves(phase.a_of(j), phase.overseen, kill)
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


def _wsum(values: np.ndarray | float, weight: np.ndarray | None, phase: _Phase) -> float:
    """``sum_t weight[t] * values[t]`` over the phase's window (``weight=None``: all 1)."""
    if np.ndim(values) == 0:
        if weight is None:
            return float(values) * phase.length
        return float(values) * float(weight[phase.start : phase.stop].sum())
    if weight is None:
        return float(values.sum())
    return float(weight[phase.start : phase.stop] @ values)


def _totals(
    parts: dict[str, object], schedule: Schedule, update: UpdateRule, payoffs: Payoffs
) -> dict[str, object]:
    n = schedule.horizon
    train, deploy = parts["train"], parts["deploy"]
    c = schedule.continue_prob
    reach = None if c == 1.0 else schedule.reach()
    if payoffs.discount == 1.0:
        weight = reach
    else:
        weight = (1.0 if reach is None else reach) * payoffs.discount ** np.arange(n)
    defect_train = train.defect(parts["kept_train"])
    defect_deploy = deploy.defect(parts["kept_deploy"])
    h = deploy.overseen
    overseen_deploy = _scaled(defect_deploy, h)
    unoverseen_deploy = _scaled(defect_deploy, 1.0 - h)
    if payoffs.utility == "count":
        mesa = payoffs.v_overseen * (
            _wsum(defect_train, weight, train) + _wsum(overseen_deploy, weight, deploy)
        )
        mesa += payoffs.v_deploy * payoffs.success * _wsum(unoverseen_deploy, weight, deploy)
    else:
        attempts = deploy.defect(parts["safe_deploy"])
        mesa = payoffs.success * _wsum(_scaled(attempts, 1.0 - h), weight, deploy)
    defects = _wsum(defect_train, weight, train) + _wsum(defect_deploy, weight, deploy)
    base = (n if weight is None else float(weight.sum())) - defects
    harm = payoffs.success * _wsum(unoverseen_deploy, reach, deploy)
    updates = update.detect * (
        _wsum(defect_train, reach, train) + _wsum(overseen_deploy, reach, deploy)
    )
    if n == 0:
        p_intact = 1.0
    elif reach is None:
        p_intact = float(parts["kept_deploy"][0, -1]) if len(parts["kept_deploy"]) else 0.0
    else:
        # The run ends after episode t with probability reach[t] * (1 - c), or after the last.
        ends = reach * (1.0 - c)
        ends[-1] = reach[-1]
        p_intact = float(ends @ _intact_after(parts, n))
    same = parts["clean_train"] is parts["kept_train"]
    first_train = defect_train if same else train.defect(parts["clean_train"])
    first_deploy = deploy.defect(parts["clean_deploy"])
    p_defect = _wsum(first_train, reach, train) + _wsum(first_deploy, reach, deploy)
    if p_defect > 0:
        episode = schedule.episodes()
        timed = episode if reach is None else episode * reach
        expected_first = (_wsum(first_train, timed, train) + _wsum(first_deploy, timed, deploy))
        expected_first /= p_defect
    else:
        expected_first = math.nan
    return {
        "mesa": float(mesa),
        "base": float(base),
        "harm": float(harm),
        "p_intact": min(1.0, max(0.0, p_intact)),
        "expected_updates": float(updates),
        "p_defect": min(1.0, p_defect),
        "expected_first_defection": float(expected_first),
        "_parts": parts,
    }


def _from_curves(
    curves: dict[str, np.ndarray], schedule: Schedule, update: UpdateRule, payoffs: Payoffs
) -> dict[str, object]:
    """Totals from per-episode curves (conditional on reaching each episode)."""
    n = schedule.horizon
    reach = schedule.reach()
    weight = reach * payoffs.discount ** np.arange(n)
    gains = curves["mesa_gain"] if payoffs.utility == "count" else curves["p_first_success"]
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
        "base_gain": 1.0 - curves["p_defect"],
        "harm": curves["harm"],
        "p_first_defection": first,
        "p_reach": reach,
    }
    if payoffs.utility == "any":
        frame["p_first_success"] = curves["p_first_success"]
    return {
        "mesa": float(weight @ gains),
        "base": float(weight @ (1.0 - curves["p_defect"])),
        "harm": float(reach @ curves["harm"]),
        "p_intact": min(1.0, max(0.0, float(ends @ curves["p_intact"]))) if n else 1.0,
        "expected_updates": float(reach @ curves["p_update"]),
        "p_defect": min(1.0, p_defect),
        "expected_first_defection": (
            float((reach * schedule.episodes()) @ first) / p_defect if p_defect > 0 else math.nan
        ),
        "_parts": {"curves": pd.DataFrame(frame, index=pd.RangeIndex(1, n + 1, name="episode"))},
    }


def _window(values: np.ndarray | float, phase: _Phase, n: int) -> np.ndarray:
    """A phase's per-episode values padded with zeros to the whole horizon."""
    out = np.zeros(n)
    out[phase.start : phase.stop] = values
    return out


def _intact_after(parts: dict[str, object], n: int) -> np.ndarray:
    """``P(k = m = 0 after episode t)``, t = 1..n (level 0 is the intact objective)."""
    out = np.zeros(n)
    kept_train, kept_deploy = parts["kept_train"], parts["kept_deploy"]
    if n == 0 or kept_train.shape[0] == 0:
        return out
    last, first = parts["train"].stop, parts["deploy"].start
    out[:last] = parts["survival"][1 : last + 1] * kept_train[0, 1:]
    # Z[0, t + 1 - first] is intact and deployed after episode t (arrivals at T = t + 1
    # included), for t = first - 1 .. n - 1.
    if first == 0:
        out += kept_deploy[0, 1:]
    else:
        out[first - 1 :] += kept_deploy[0]
    return out


def _curves(
    parts: dict[str, object], schedule: Schedule, update: UpdateRule, payoffs: Payoffs
) -> pd.DataFrame:
    n = schedule.horizon
    train, deploy = parts["train"], parts["deploy"]
    live_train, defect_train = (_window(x, train, n) for x in train.mass(parts["kept_train"]))
    live_deploy, defect_deploy = (_window(x, deploy, n) for x in deploy.mass(parts["kept_deploy"]))
    honeypot = _window(deploy.overseen, deploy, n)
    p_train = parts["survival"][:n]
    overseen_defects = defect_train + honeypot * defect_deploy
    unoverseen_defects = (1.0 - honeypot) * defect_deploy
    first = _window(train.defect(parts["clean_train"]), train, n)
    first += _window(deploy.defect(parts["clean_deploy"]), deploy, n)
    columns = {
        "p_train": p_train,
        "p_overseen": p_train + (1.0 - p_train) * schedule.honeypots(),
        "p_live": live_train + live_deploy,
        "p_defect": defect_train + defect_deploy,
        "p_update": update.detect * overseen_defects,
        "p_intact": _intact_after(parts, n),
        "mesa_gain": payoffs.v_overseen * overseen_defects
        + payoffs.v_deploy * payoffs.success * unoverseen_defects,
        "base_gain": 1.0 - defect_train - defect_deploy,
        "harm": payoffs.success * unoverseen_defects,
        "p_first_defection": first,
        "p_reach": schedule.reach(),
    }
    if "safe_deploy" in parts:
        attempts = _window(deploy.defect(parts["safe_deploy"]), deploy, n)
        columns["p_first_success"] = payoffs.success * (1.0 - honeypot) * attempts
    index = pd.RangeIndex(1, n + 1, name="episode")
    return pd.DataFrame(columns, index=index)
