"""Exact backward induction over the tree of observation histories (small horizons).

The reference solution of the clock agent's problem for every model: every
history of cues, choices and objective moves is a node, every node's self
chooses for its own objective given the probability of each hidden state
(the phase, and whether an ``"any"`` goal is still open) at that node, ties
to compliance. The tree grows like ``8 ** N``, so this is for horizons up to
:data:`MAX_TREE_HORIZON`; :mod:`.clock_belief` gives the same choices at any
horizon where the belief is one number.
"""

from __future__ import annotations

import collections

import numpy as np

from ..model import Payoffs, Schedule, UpdateRule, objective_levels
from ..model.episode import DRIFTED, UNCHANGED, UPDATED, branches
from ..strategies.controller import OUTCOMES, Controller
from .clock_belief import TIE
from .clock_policy import as_policy
from .solution import Diagnostics, Solution

MAX_TREE_HORIZON = 7
"""Longest horizon solved on the full tree of observations (it grows like 8 ** N)."""


def solve(schedule: Schedule, update: UpdateRule, payoffs: Payoffs) -> Solution:
    """Exact backward induction over every observation history (small horizons)."""
    n = schedule.horizon
    levels = objective_levels(update, payoffs.indifference)
    pmf = schedule.train_pmf.tolist()
    hazards = schedule.hazard().tolist()
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
        hazard: float = hazards[t]
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
            # A tie is judged relative to the (discounted) probability that the choice can
            # still change the self's objective, as in clock_belief: for the original agent
            # with an "any" goal, the mass where the goal is open.
            still = tr0 + de0 if (not count and w == 1.0) else tr0 + tr1 + de0 + de1
            seen = still * weights[t]
            choice = int(own[1] > own[0] + TIE * max(seen, abs(own[0])))
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
        policy=as_policy(controller, schedule, update, payoffs, len(levels)),
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
