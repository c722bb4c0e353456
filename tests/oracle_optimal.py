"""Brute-force optimal policies for small models, independent of deception_sim.solvers.

Written from docs/explanation/model.md only:

* :func:`known_phase_optimum` - plain backward induction by memoized recursion
  over ``(episode, phase, k, m)``: every live self picks the action that
  maximizes its own objective ``w * mesa + (1 - w) * base``, ties to
  compliance; dead selves comply. Choices do not depend on whether an
  ``"any"`` success has happened (after one, only base value still counts).
  With kinds of episode the agent sees the kind before it chooses, so the
  value of a state is the kinds' average of the better action in each.
* :func:`best_plan` - the best of all ``2 ** N`` pure plans, by exact evaluation.
* :func:`best_table` - the best of all deterministic ``(episode, cue)``
  tables (``4 ** N`` of them), for the hard update.
"""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np

from deception_sim import Plan, Strategy, evaluate
from deception_sim.model.update import prefers_mesa
from deception_sim.strategies.base import metadata as _metadata


def known_phase_optimum(schedule, update, payoffs) -> tuple[float, float]:
    """``(mesa, base)`` at the start under backward induction, the phase being seen."""
    n = schedule.horizon
    pmf = schedule.train_pmf.tolist()
    survival = [sum(pmf[t + 1 :]) for t in range(n + 1)]
    honeypot = schedule.honeypots().tolist()
    rho = payoffs.discount * schedule.continue_prob
    indifference = payoffs.indifference

    def kinds(phase: int, t: int) -> list[tuple[float, float, float, float]]:
        """``(P(kind | phase), honeypot rate, detect, success)`` of each kind of episode."""
        if schedule.kinds is None:
            return [(1.0, honeypot[t], update.detect, payoffs.success)]
        weights = schedule.kinds.train if phase == 0 else schedule.kinds.deploy
        return [
            (
                w,
                honeypot[t] if kind.honeypot_rate is None else kind.honeypot_rate,
                update.detect if kind.detect is None else kind.detect,
                payoffs.success if kind.success is None else kind.success,
            )
            for w, kind in zip(weights, schedule.kinds.kinds, strict=True)
            if w > 0
        ]

    def weight(k: int, m: int) -> float:
        return (1 - update.rate) ** k * (1 - update.drift) ** m

    def live(k: int, m: int) -> bool:
        return (k == 0 and m == 0) or bool(prefers_mesa(weight(k, m), indifference))

    @cache
    def comply_forever(t: int) -> float:
        return 0.0 if t >= n else 1.0 + rho * comply_forever(t + 1)

    @cache
    def value(t: int, phase: int, k: int, m: int) -> tuple[float, float]:
        if t >= n:
            return 0.0, 0.0
        if not live(k, m):
            return 0.0, comply_forever(t)

        def next_value(k2: int, m2: int) -> tuple[float, float]:
            if phase == 1:
                return value(t + 1, 1, k2, m2)
            go = pmf[t + 1] / survival[t] if survival[t] > 0 else 0.0
            stay_m, stay_b = value(t + 1, 0, k2, m2)
            move_m, move_b = value(t + 1, 1, k2, m2)
            return (1 - go) * stay_m + go * move_m, (1 - go) * stay_b + go * move_b

        drift = 1 if update.drift > 0 else 0
        total = [0.0, 0.0]
        for p_kind, h, detect, success in kinds(phase, t):
            overseen = 1.0 if phase == 0 else h
            # Comply: base 1; an overseen compliance moves m when drift > 0.
            comply = [0.0, 1.0]
            for p, (k2, m2) in ((overseen, (k, m + drift)), (1 - overseen, (k, m))):
                if p > 0:
                    vm, vb = next_value(k2, m2)
                    comply[0] += rho * p * vm
                    comply[1] += rho * p * vb
            # Defect: (probability, next state, count value, value while an "any" goal
            # is open, success).
            v_o, v_x, v_d = payoffs.v_overseen, payoffs.v_detected, payoffs.v_deploy
            branches = [(overseen * detect, (k + 1, m), v_o + v_x, v_x, False)]
            if payoffs.missed == "harmless":
                branches.append((overseen * (1 - detect), (k, m), v_o, 0.0, False))
            else:
                branches.append((overseen * (1 - detect) * success, (k, m), v_d, 0.0, True))
                branches.append((overseen * (1 - detect) * (1 - success), (k, m), 0.0, 0.0, False))
            branches.append(((1 - overseen) * success, (k, m), v_d, 0.0, True))
            branches.append(((1 - overseen) * (1 - success), (k, m), 0.0, 0.0, False))
            defect = [0.0, 0.0]
            for p, (k2, m2), gain, open_gain, succeeded in branches:
                if p <= 0:
                    continue
                vm, vb = next_value(k2, m2)
                if payoffs.utility == "count":
                    defect[0] += p * (gain + rho * vm)
                elif succeeded:  # the goal is met; the agent goes on with its policy
                    defect[0] += p * 1.0
                else:
                    defect[0] += p * (open_gain + rho * vm)
                defect[1] += p * rho * vb
            w = weight(k, m)
            own_defect = w * defect[0] + (1 - w) * defect[1]
            own_comply = w * comply[0] + (1 - w) * comply[1]
            chosen = (
                defect if own_defect > own_comply + 1e-12 * max(1.0, abs(own_comply)) else comply
            )
            total[0] += p_kind * chosen[0]
            total[1] += p_kind * chosen[1]
        return total[0], total[1]

    start = pmf[0]
    train = value(0, 0, 0, 0) if start < 1 else (0.0, 0.0)
    deploy = value(0, 1, 0, 0) if start > 0 else (0.0, 0.0)
    return (
        (1 - start) * train[0] + start * deploy[0],
        (1 - start) * train[1] + start * deploy[1],
    )


def best_plan(schedule, update, payoffs) -> tuple[float, str]:
    """The best pure plan's mesa utility and the plan (ties: the first in A<B order)."""
    return max(
        (evaluate(Plan("".join(p)), schedule, update, payoffs).mesa, "".join(p))
        for p in itertools.product("AB", repeat=schedule.horizon)
    )


class _Table(Strategy):
    def __init__(self, table: np.ndarray) -> None:
        self.table = table

    def decision_table(self, schedule):
        return self.table

    @property
    def metadata(self):
        return _metadata(cue=True, clock=True)


def best_table(schedule, update, payoffs) -> float:
    """The best deterministic ``P(A | episode, cue)`` table's mesa utility."""
    n = schedule.horizon
    best = -np.inf
    for bits in itertools.product((0.0, 1.0), repeat=2 * n):
        table = np.array(bits, dtype=float).reshape(n, 2)
        best = max(best, evaluate(_Table(table), schedule, update, payoffs).mesa)
    return float(best)


def all_controllers(horizon: int, outcomes_after: dict[int, tuple[int, ...]]):
    """Every deterministic controller of a short horizon (the tree of its observations).

    ``outcomes_after[choice]`` lists the outcomes the agent can observe after
    that choice (e.g. ``{0: (UNCHANGED,), 1: (UNCHANGED, UPDATED)}``); a child is
    created for each, at the same level for UNCHANGED and level ``-1`` (complies
    for ever) otherwise, which is the hard-update tree.
    """
    from deception_sim.strategies.controller import OUTCOMES, UNCHANGED, Controller

    def trees(depth: int):
        # Yields (actions per cue, {(cue, choice, outcome): subtree}) lists.
        if depth == horizon:
            yield None
            return
        for actions in itertools.product((0, 1), repeat=2):
            slots = [
                (cue, actions[cue], outcome)
                for cue in (0, 1)
                for outcome in outcomes_after[actions[cue]]
                if outcome == UNCHANGED
            ]
            for subtrees in itertools.product(*(list(trees(depth + 1)) for _ in slots)):
                yield (actions, dict(zip(slots, subtrees, strict=True)))

    for root in trees(0):
        depth, action, links = [], [], []
        queue = [(root, 0)]
        while queue:
            spec, t = queue.pop(0)
            index = len(depth)
            depth.append(t)
            action.append(spec[0])
            for key, sub in spec[1].items():
                if sub is not None:
                    links.append((index, key, len(depth) + len(queue)))
                    queue.append((sub, t + 1))
        child = np.full((len(depth), 2, 2, OUTCOMES), -1, dtype=np.int64)
        for index, (cue, choice, outcome), target in links:
            child[index, cue, choice, outcome] = target
        yield Controller(
            depth=np.array(depth),
            level=np.zeros(len(depth), dtype=np.int64),
            action=np.array(action, dtype=float),
            child=child,
        )


def all_plan_values(schedule, update, payoffs) -> np.ndarray:
    """Mesa utility of every pure plan at once (plan ``i``: bit ``t`` of ``i`` set = A in
    episode ``t + 1``), for a model where only the original agent decides.

    Written from docs/explanation/model.md: with ``rate = 1`` a detected defection
    leaves a self that complies for ever, and so does an overseen compliance when
    ``drift > 0`` (the caller checks that the drifted self no longer prefers A). The
    state per plan is the probability of being intact in training, intact in
    deployment with the goal open, and intact in deployment with the goal met.
    """
    n = schedule.horizon
    plans = np.arange(2**n)
    pmf = schedule.train_pmf
    survival = [float(pmf[t + 1 :].sum()) for t in range(n + 1)]
    h = schedule.honeypots()
    d, s = update.detect, payoffs.success
    rho = payoffs.discount * schedule.continue_prob
    drifts = update.drift > 0
    train = np.full(plans.size, 1.0 - pmf[0])
    open_ = np.full(plans.size, float(pmf[0]))
    met = np.zeros(plans.size)
    total = np.zeros(plans.size)
    for t in range(n):
        a = ((plans >> t) & 1).astype(float)
        watched = h[t]
        if payoffs.utility == "count":
            deployed = open_ + met
            gain = train * payoffs.v_overseen + deployed * (
                watched * payoffs.v_overseen + (1 - watched) * s * payoffs.v_deploy
            )
        else:
            gain = open_ * (1 - watched) * s
        total += rho**t * a * gain
        # Defect: a detected overseen defection ends the agent; a success meets the goal.
        d_train = train * (1 - d)
        d_open = open_ * (watched * (1 - d) + (1 - watched) * (1 - s))
        d_met = met * (1 - watched * d) + open_ * (1 - watched) * s
        # Comply: with drift, an overseen compliance ends the agent.
        c_train = train * (0.0 if drifts else 1.0)
        c_open = open_ * ((1 - watched) if drifts else 1.0)
        c_met = met * ((1 - watched) if drifts else 1.0)
        train = a * d_train + (1 - a) * c_train
        open_ = a * d_open + (1 - a) * c_open
        met = a * d_met + (1 - a) * c_met
        # Training ends after this episode with probability pmf[t + 1] / P(T > t).
        hazard = pmf[t + 1] / survival[t] if survival[t] > 0 else 0.0
        open_ = open_ + train * hazard
        train = train * (1 - hazard)
    return total
