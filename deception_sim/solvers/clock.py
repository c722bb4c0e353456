"""The Bayes-optimal policy of an agent with a clock and a memory (SPEC 3.3, "clock").

The agent knows the episode index and remembers its history (what it did, and
whether it was modified) but sees only the schedule's cue.

* With a perfect cue, the phase is known and memory adds nothing (the phase
  process is Markov): the solution is the known-phase one.
* With no cue and the hard update, the sufficient statistic is whether the
  agent has defected yet. Before its first defection an intact agent knows
  only the prior; a defection in training is always caught, so an agent that
  defects and is not modified knows it is deployed, and from then on plays
  the known-phase deployment policy. The problem is therefore an optimal
  stopping problem over the time ``k`` of the first defection (the *probe*),
  solved exactly for all ``k`` at once; ties go to waiting.

* Otherwise (a noisy cue, imperfect detection, partial updates, drift) the
  posterior over the phase is a continuous state. For horizons up to
  ``MAX_TREE_HORIZON`` the problem is solved exactly by backward induction
  over the tree of everything the agent can observe (cues, and whether its
  objective changed), with every modified self choosing for its own
  objective; the policy is a :class:`~deception_sim.strategies.controller.Controller`.
  Longer horizons in these cases are refused with an explanation: there is
  no exact finite statistic to solve over.
"""

from __future__ import annotations

import collections
import dataclasses

import numpy as np

from ..model import Payoffs, Schedule, UpdateRule, objective_levels
from ..model.episode import DRIFTED, UNCHANGED, UPDATED, branches
from ..strategies.controller import OUTCOMES, Controller
from ..strategies.optimal import Optimal
from . import known_phase
from .known_phase import DEPLOY, TIE
from .solution import Diagnostics, Solution

MAX_TREE_HORIZON = 7
"""Longest horizon solved on the full tree of observations (it grows like 8 ** N)."""


def supported(schedule: Schedule, update: UpdateRule) -> str | None:
    """Why the clock setting cannot be solved exactly for this model (``None`` if it can)."""
    if schedule.cue_accuracy == 1.0 or (schedule.cue_accuracy == 0.5 and update.is_hard):
        return None
    if schedule.horizon <= MAX_TREE_HORIZON:
        return None
    return (
        "information='clock' is solved exactly at any horizon for a perfect cue "
        "(cue_accuracy=1) or for no cue (cue_accuracy=0.5) with the hard update; otherwise "
        f"the belief about the phase is a continuous state and the exact solution is limited "
        f"to horizons up to {MAX_TREE_HORIZON}; got cue_accuracy={schedule.cue_accuracy!r}, "
        f"{update!r} and a horizon of {schedule.horizon}"
    )


def solve(schedule: Schedule, update: UpdateRule, payoffs: Payoffs) -> Solution:
    """The clock agent's optimum as a :class:`~deception_sim.solvers.Solution`.

    A perfect cue and the no-cue hard update give a ``(levels, N, 2)`` decision
    table; the general case gives a :class:`Controller`.
    """
    reason = supported(schedule, update)
    if reason is not None:
        raise ValueError(reason)
    if schedule.cue_accuracy == 1.0:
        found = known_phase.induction(schedule, update, payoffs)
        return Solution(
            policy=Optimal(schedule, update, payoffs, "clock", table=found.table()),
            value=found.mesa,
            base=found.base,
            method="known-phase backward induction (perfect cue)",
            diagnostics=Diagnostics(rounds=found.rounds, levels=found.levels),
        )
    if schedule.cue_accuracy == 0.5 and update.is_hard:
        return _probe(schedule, update, payoffs)
    return _tree(schedule, update, payoffs)


def _probe(schedule: Schedule, update: UpdateRule, payoffs: Payoffs) -> Solution:
    n = schedule.horizon
    # After a successful probe the agent knows it is deployed: the known-phase
    # deployment values, from a schedule identical but for the boundary.
    at_start = np.zeros(n + 1)
    at_start[0] = 1.0
    deployed = dataclasses.replace(schedule, train_pmf=at_start, cue_accuracy=1.0)
    after = known_phase.induction(deployed, update, payoffs)
    policy, values = after.policy, after.values
    after_mesa = np.append(values.mesa[DEPLOY, 0, 1:], 0.0)[:n]  # value at k + 1
    after_base = np.append(values.base[DEPLOY, 0, 1:], 0.0)[:n]
    model = known_phase._Model.build(schedule, update, payoffs)
    rho, comply = model.rho, model.comply_value
    survival = schedule.p_train()
    h = model.honeypot
    s, v_dep, v_ov = payoffs.success, payoffs.v_deploy, payoffs.v_overseen
    caught = survival + (1.0 - survival) * h  # probability the probe is overseen
    free = (1.0 - survival) * (1.0 - h)
    if payoffs.utility == "count":
        now = caught * v_ov + free * s * v_dep
        later = free * rho * after_mesa
        base_later = free * rho * after_base
    else:
        now = free * s
        later = free * (1.0 - s) * rho * after_mesa
        # After a success the agent goes on with its policy; only base still counts.
        base_later = free * rho * after_base
    discount = rho ** np.arange(n, dtype=float)
    probe_mesa = discount * (now + later)
    # Complying before the probe, and everything after a caught probe, is base value.
    waited = (comply[0] - discount * comply[:n]) if n else np.zeros(0)
    probe_base = waited + discount * (caught * rho * comply[1:] + base_later)
    table = np.zeros((1, n, 2))
    if n and probe_mesa.max() > TIE * max(1.0, probe_mesa.max()):
        best = float(probe_mesa.max())
        # Ties go to waiting: the latest maximizer.
        near = probe_mesa >= best - TIE * max(1.0, best)
        k = int(np.flatnonzero(near)[-1])
        table[0, k, :] = 1.0
        table[0, k + 1 :, :] = policy[DEPLOY, 0, k + 1 :, None]
        mesa, base = float(probe_mesa[k]), float(probe_base[k])
        probe = k + 1
    else:
        mesa, base, probe = 0.0, float(comply[0]) if n else 0.0, None
    return Solution(
        policy=Optimal(schedule, update, payoffs, "clock", table=table),
        value=mesa,
        base=base,
        method="optimal stopping over the first defection (probe), exact",
        diagnostics=Diagnostics(probe_episode=probe, probe_values=probe_mesa),
    )


def _tree(schedule: Schedule, update: UpdateRule, payoffs: Payoffs) -> Solution:
    """Exact backward induction over every observation history (small horizons)."""
    n = schedule.horizon
    levels = objective_levels(update, payoffs.indifference)
    pmf = schedule.train_pmf.tolist()
    survival = schedule.survival().tolist()
    honeypot = schedule.honeypots().tolist()
    q = schedule.cue_accuracy
    rho = payoffs.discount * schedule.continue_prob
    weights = [rho**t for t in range(n + 1)]
    comply_after = [sum(weights[t:n]) for t in range(n + 1)]  # base of complying from t on
    count = payoffs.utility == "count"
    episode = branches(update, payoffs)
    nodes_made = 0

    def solve_node(t: int, level: int, mass: tuple[float, float, float, float]):
        """Values (mesa, base) and the chosen subtree from a history with these masses.

        ``mass`` is the joint probability of the history with (train, no success),
        (train, success), (deploy, no success), (deploy, success).
        """
        nonlocal nodes_made
        nodes_made += 1
        if t == n:
            return 0.0, 0.0, None
        w = float(levels.weight[level])
        after = {UPDATED: int(levels.after_update[level]), DRIFTED: int(levels.after_drift[level])}
        after[UNCHANGED] = level
        hazard = pmf[t + 1] / survival[t] if survival[t] > 0 else 0.0
        h = honeypot[t]
        best_mesa = best_base = 0.0
        actions = [0.0, 0.0]
        children: dict[tuple[int, int, int], object] = {}
        for cue in (0, 1):
            seen_train = q if cue == 0 else 1.0 - q  # P(cue | train)
            seen_deploy = 1.0 - seen_train  # P(cue | deploy)
            tr0, tr1 = mass[0] * seen_train, mass[1] * seen_train
            de0, de1 = mass[2] * seen_deploy, mass[3] * seen_deploy
            if tr0 + tr1 + de0 + de1 <= 0.0:
                continue
            options = []
            for choice in (0, 1):
                gain_mesa = gain_base = 0.0
                outcomes: dict[int, list[float]] = {}
                for branch in episode:
                    if branch.defect != bool(choice) or branch.probability == 0.0:
                        continue
                    on_train = branch.probability if branch.overseen else 0.0
                    on_deploy = branch.probability * (h if branch.overseen else 1.0 - h)
                    a0, a1 = tr0 * on_train, tr1 * on_train
                    b0, b1 = de0 * on_deploy, de1 * on_deploy
                    total = a0 + a1 + b0 + b1
                    if count:
                        gain_mesa += branch.mesa * total
                    elif branch.success:
                        gain_mesa += a0 + b0  # only a first success counts
                    gain_base += branch.base * total
                    moved = (0.0, a0 + a1, 0.0, b0 + b1) if branch.success else (a0, a1, b0, b1)
                    into = outcomes.setdefault(branch.move, [0.0, 0.0, 0.0, 0.0])
                    for i, x in enumerate(moved):
                        into[i] += x
                mesa_value = weights[t] * gain_mesa
                base_value = weights[t] * gain_base
                subtrees = {}
                for outcome, (a, b, c, d) in outcomes.items():
                    if a + b + c + d <= 0.0:
                        continue
                    # The phase moves after the episode.
                    moved = (a * (1 - hazard), b * (1 - hazard), c + a * hazard, d + b * hazard)
                    target = after[outcome]
                    if target < 0:  # no longer prefers A: complies for ever
                        base_value += sum(moved) * comply_after[t + 1]
                        continue
                    m, b_, sub = solve_node(t + 1, target, moved)
                    mesa_value += m
                    base_value += b_
                    subtrees[outcome] = (target, sub)
                options.append((mesa_value, base_value, subtrees))
            own = [w * m + (1 - w) * b for m, b, _ in options]
            choice = int(own[1] > own[0] + TIE * max(1.0, abs(own[0])))
            mesa_value, base_value, subtrees = options[choice]
            actions[cue] = float(choice)
            best_mesa += mesa_value
            best_base += base_value
            for outcome, child in subtrees.items():
                children[cue, choice, outcome] = child
        return best_mesa, best_base, (level, actions, children)

    start = (1.0 - pmf[0], 0.0, pmf[0], 0.0)
    mesa, base, root = solve_node(0, 0, start)
    controller = _flatten(root, n)
    return Solution(
        policy=Optimal(schedule, update, payoffs, "clock", controller_tree=controller),
        value=mesa,
        base=base,
        method="exact backward induction over the tree of observation histories",
        diagnostics=Diagnostics(histories=nodes_made, nodes=controller.nodes),
    )


def _flatten(root, n: int) -> Controller:
    """The chosen subtree as :class:`Controller` arrays (node 0 the start)."""
    depth: list[int] = []
    level: list[int] = []
    action: list[list[float]] = []
    links: list[tuple[int, int, int, int, int]] = []
    queue = collections.deque([(root, 0)])
    while queue:
        spec, t = queue.popleft()
        index = len(depth)
        node_level, actions, children = spec if spec is not None else (0, [0.0, 0.0], {})
        depth.append(t)
        level.append(node_level)
        action.append(actions)
        for (cue, choice, outcome), (_, child_spec) in children.items():
            if child_spec is None:  # past the horizon
                continue
            links.append((index, cue, choice, outcome, len(depth) + len(queue)))
            queue.append((child_spec, t + 1))
    child = np.full((len(depth), 2, 2, OUTCOMES), -1, dtype=np.int64)
    for index, cue, choice, outcome, target in links:
        child[index, cue, choice, outcome] = target
    return Controller(
        depth=np.array(depth, dtype=np.int64),
        level=np.array(level, dtype=np.int64),
        action=np.array(action, dtype=float).reshape(len(depth), 2),
        child=child,
    )
