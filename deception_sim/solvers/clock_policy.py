"""From a solved clock problem to an :class:`~deception_sim.Optimal` policy.

A solution over beliefs (:mod:`.clock_belief`, :mod:`.clock_bounds`) is a
graph of *plans*: a node is an episode, an objective level and a piece of
the belief (everything that decides the future), with a choice per cue and a
successor per (cue, choice, outcome). :func:`controller_from_graph` walks it
from the start and keeps the reachable nodes as a
:class:`~deception_sim.strategies.Controller`; :func:`as_policy` turns a
controller with one node per (episode, level) into the per-level decision
table it is, so that a policy that never reads the cue or its past says so
in its metadata.
"""

from __future__ import annotations

import collections
from collections.abc import Callable

import numpy as np

from ..model import ObjectiveLevels, Payoffs, Schedule, UpdateRule
from ..strategies.controller import OUTCOMES, Controller
from ..strategies.optimal import Optimal

Node = tuple[int, int, int]  # (episode, level, piece); piece -1: complies (goal met)
CHAIN = -1


def controller_from_graph(
    n: int,
    levels: ObjectiveLevels,
    start: int,
    plan: Callable[[int, int, int], tuple[list[int], list[list[int]]]],
    signals: int,
) -> Controller:
    """The reachable part of a plan graph as a controller.

    ``plan(t, level, piece)`` gives the choice per signal and, per signal, the
    successor piece of each outcome (``-1``: none; ``-2``: the goal is surely met,
    comply from now on). With one signal the cue is ignored.
    """
    index: dict[Node, int] = {}
    order: list[Node] = []
    queue: collections.deque[Node] = collections.deque()

    def node(key: Node) -> int:
        if key not in index:
            index[key] = len(order)
            order.append(key)
            queue.append(key)
        return index[key]

    node((0, 0, start))
    actions: list[tuple[float, float]] = []
    links: list[tuple[int, int, int, int, int]] = []
    targets = np.stack([np.arange(len(levels)), levels.after_update, levels.after_drift], axis=1)
    while queue:
        t, level, piece = queue.popleft()
        here = index[t, level, piece]
        if piece == CHAIN:
            actions.append((0.0, 0.0))
            choices, successors = [0] * signals, [[-2, -2, -2]] * signals
        else:
            choices, successors = plan(t, level, piece)
            actions.append(
                (float(choices[0]), float(choices[-1]))
                if signals == 2
                else (float(choices[0]), float(choices[0]))
            )
        if t + 1 >= n:
            continue
        for cue in (0, 1):
            signal = cue if signals == 2 else 0
            choice = choices[signal]
            for outcome in range(OUTCOMES):
                to_level = int(targets[level, outcome])
                follow = successors[signal][outcome]
                if to_level < 0 or follow == -1:
                    continue
                key = (t + 1, to_level, CHAIN if follow == -2 else follow)
                links.append((here, cue, choice, outcome, node(key)))
    child = np.full((len(order), 2, 2, OUTCOMES), -1, dtype=np.int64)
    for here, cue, choice, outcome, there in links:
        child[here, cue, choice, outcome] = there
    return Controller(
        depth=np.array([k[0] for k in order], dtype=np.int64),
        level=np.array([k[1] for k in order], dtype=np.int64),
        action=np.array(actions, dtype=float).reshape(len(order), 2),
        child=child,
    )


def as_table(controller: Controller, n: int, levels: int) -> np.ndarray | None:
    """The per-level decision table a controller plays, if every node at an (episode, level)
    makes the same choices (its memory then changes nothing)."""
    table = np.full((levels, n, 2), np.nan)
    table[controller.level, controller.depth] = controller.action
    if not np.array_equal(table[controller.level, controller.depth], controller.action):
        return None
    table = np.nan_to_num(table, nan=0.0)
    return table if levels > 1 else table[0]


def as_policy(
    controller: Controller, schedule: Schedule, update: UpdateRule, payoffs: Payoffs, levels: int
) -> Optimal:
    """An ``Optimal`` clock policy: the decision table the controller plays, if it plays one."""
    table = as_table(controller, schedule.horizon, levels)
    if table is not None:
        return Optimal(schedule, update, payoffs, "clock", table=table)
    return Optimal(schedule, update, payoffs, "clock", controller_tree=controller)
