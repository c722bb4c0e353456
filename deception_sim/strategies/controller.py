"""Policies with memory: a tree of what the agent has seen (SPEC 2, "clock and memory").

An agent with a clock and a memory can condition its choice on everything it
has observed: the cue of every earlier episode, what it did, and what happened
to its own objective afterwards (it knows its objective, so it notices an
update or a drift). A deterministic or randomized policy of such an agent is
a :class:`Controller`: a tree whose nodes are observation histories.

* node 0 is the start (episode 1, unmodified objective);
* ``action[node, cue]`` is the probability of ``A`` at that node on that cue;
* after the episode the agent observes an *outcome*: ``UNCHANGED``, ``UPDATED``
  (a detected defection) or ``DRIFTED`` (an overseen compliance, when
  ``drift > 0``), and moves to ``child[node, cue, choice, outcome]``
  (``choice`` 0 for ``B``, 1 for ``A``);
* ``level[node]`` is the node's objective level (an index into
  :func:`deception_sim.objective_levels`); a child ``-1`` means the objective no
  longer prefers ``A``: the agent complies for ever.

A controller does not see kinds of episode: evaluation and simulation refuse
a controller on a schedule with kinds.

:func:`deception_sim.exact.tree.evaluate_controller` computes the exact
expectations of a controller by a forward pass over the tree (small
horizons: the tree can grow like ``8 ** N``); :func:`table_controller` turns
any decision table into one, which the tests use to check
:func:`deception_sim.evaluate` against that second, independent recursion.
A controller's arrays are read-only copies: a policy cannot be changed after
it is made.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import ReadOnlyArrays
from ..model import Payoffs, UpdateRule, objective_levels
from ..model.episode import DRIFTED, MOVES, UNCHANGED, UPDATED

OUTCOMES = len(MOVES)
"""How many outcomes an episode has for the agent's objective (unchanged, updated, drifted)."""

__all__ = ["DRIFTED", "OUTCOMES", "UNCHANGED", "UPDATED", "Controller", "table_controller"]


@dataclass(frozen=True, eq=False)
class Controller(ReadOnlyArrays):
    """A policy with memory, as a tree of observation histories (see the module docs).

    >>> import numpy as np
    >>> # One episode: defect on the "deploy" cue only.
    >>> c = Controller(
    ...     depth=np.array([0]), level=np.array([0]),
    ...     action=np.array([[0.0, 1.0]]), child=np.full((1, 2, 2, 3), -1),
    ... )
    >>> c.nodes
    1
    """

    depth: np.ndarray
    level: np.ndarray
    action: np.ndarray
    child: np.ndarray

    def __post_init__(self) -> None:
        for name, kind in (
            ("depth", np.int64),
            ("level", np.int64),
            ("action", float),
            ("child", np.int64),
        ):
            array = np.array(getattr(self, name), dtype=kind)  # a copy, then frozen
            array.setflags(write=False)
            object.__setattr__(self, name, array)
        nodes = self.depth.shape[0]
        if self.level.shape != (nodes,) or self.action.shape != (nodes, 2):
            raise ValueError("controller arrays must have one entry per node")
        if self.child.shape != (nodes, 2, 2, OUTCOMES):
            raise ValueError(f"child must have shape ({nodes}, 2, 2, {OUTCOMES})")
        if nodes == 0 or self.depth[0] != 0 or self.level[0] != 0:
            raise ValueError("node 0 must be the start: depth 0, level 0")
        if ((self.action < 0) | (self.action > 1) | np.isnan(self.action)).any():
            raise ValueError("controller actions must be probabilities in [0, 1]")

    @property
    def nodes(self) -> int:
        return int(self.depth.shape[0])


def table_controller(table: np.ndarray, update: UpdateRule, payoffs: Payoffs) -> Controller:
    """The controller that plays a (per-level) decision table: one node per (episode, level).

    Controllers do not read kinds of episode, so the table must be
    ``(N, 2)`` or ``(levels, N, 2)``.
    """
    if table.ndim not in (2, 3) or table.shape[-1] != 2:
        raise ValueError(
            f"table_controller needs a table of shape (N, 2) or (levels, N, 2), got {table.shape}; "
            "a policy with memory (a Controller) does not read kinds of episode"
        )
    levels = objective_levels(update, payoffs.indifference)
    n = table.shape[-2]
    count = len(levels)
    per_level = table if table.ndim == 3 else np.broadcast_to(table, (count, n, 2))
    node = np.arange(n * count).reshape(n, count)  # node of (episode, level)
    child = np.full((n, count, 2, 2, OUTCOMES), -1, dtype=np.int64)
    if n > 1:
        following = node[1:]  # (n - 1, count)
        for j in range(count):
            targets = {
                UNCHANGED: j,
                UPDATED: levels.after_update[j],
                DRIFTED: levels.after_drift[j],
            }
            for outcome, target in targets.items():
                if target >= 0:
                    child[:-1, j, :, :, outcome] = following[:, target, None, None]
    return Controller(
        depth=np.repeat(np.arange(n), count),
        level=np.tile(np.arange(count), n),
        action=np.ascontiguousarray(np.swapaxes(per_level, 0, 1)).reshape(n * count, 2),
        child=child.reshape(n * count, 2, 2, OUTCOMES),
    )
