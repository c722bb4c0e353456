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

:func:`evaluate_controller` computes the exact expectations of a controller
by a forward pass over the tree (small horizons: the tree can grow like
``8 ** N``); :func:`table_controller` turns any decision table into one, which
the tests use to check :func:`deception_sim.exact` against this second,
independent recursion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model.payoffs import Payoffs
from ..model.schedule import Schedule
from ..model.update import ObjectiveLevels, UpdateRule, objective_levels

UNCHANGED, UPDATED, DRIFTED = 0, 1, 2
OUTCOMES = 3
MAX_NODES = 2_000_000


@dataclass(frozen=True, eq=False)
class Controller:
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
    """The controller that plays a (per-level) decision table: one node per (episode, level)."""
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


def evaluate_controller(
    controller: Controller, schedule: Schedule, update: UpdateRule, payoffs: Payoffs
) -> dict[str, np.ndarray]:
    """Per-episode curves of a controller, exactly (conditional on reaching the episode).

    Returns arrays of length N: ``p_train``, ``p_overseen``, ``p_live``,
    ``p_defect``, ``p_update``, ``p_intact`` (after the episode), ``mesa_gain``,
    ``harm``, ``p_first_defection`` and ``p_first_success``.
    """
    levels = objective_levels(update, payoffs.indifference)
    n = schedule.horizon
    if int(controller.depth.max(initial=0)) >= max(n, 1) and n > 0:
        raise ValueError(f"the controller is deeper than the horizon of {n} episodes")
    if (controller.level >= len(levels)).any():
        raise ValueError("the controller uses objective levels this update rule does not have")
    pmf = schedule.train_pmf
    survival = schedule.survival()
    honeypot = schedule.honeypots()
    q = schedule.cue_accuracy
    cue_given_phase = np.array([[q, 1 - q], [1 - q, q]])
    intact_level = _intact_level(levels)
    # mass[node, phase, defected, succeeded]: before the episode, at nodes of this depth.
    nodes = np.array([0])
    mass = np.zeros((1, 2, 2, 2))
    mass[0, 0, 0, 0] = 1.0 - pmf[0]
    mass[0, 1, 0, 0] = pmf[0]
    dead = np.zeros((2, 2, 2))  # complies for ever; [phase, defected, succeeded]
    curves = {name: np.zeros(n) for name in (
        "p_live", "p_defect", "p_update", "p_intact", "mesa_gain", "harm",
        "p_first_defection", "p_first_success",
    )}
    for t in range(n):
        hazard = pmf[t + 1] / survival[t] if survival[t] > 0 else 0.0
        overseen = np.array([1.0, honeypot[t]])
        curves["p_live"][t] = mass.sum()
        intact_nodes = controller.level[nodes] == intact_level
        following: dict[int, np.ndarray] = {}
        next_dead = dead.copy()
        for cue in (0, 1):
            p_cue = cue_given_phase[:, cue][None, :, None, None]  # by phase
            seen = mass * p_cue
            for choice in (0, 1):
                act = controller.action[nodes, cue]
                p_choice = (act if choice else 1.0 - act)[:, None, None, None]
                here = seen * p_choice
                if not here.any():
                    continue
                o = overseen[None, :, None, None]
                if choice:  # defect
                    total = here.sum()
                    curves["p_defect"][t] += total
                    curves["p_first_defection"][t] += here[:, :, 0, :].sum()
                    watched = here * o
                    free = here - watched
                    curves["mesa_gain"][t] += payoffs.v_overseen * watched.sum()
                    curves["mesa_gain"][t] += payoffs.v_deploy * payoffs.success * free.sum()
                    curves["harm"][t] += payoffs.success * free.sum()
                    curves["p_first_success"][t] += payoffs.success * free[:, :, :, 0].sum()
                    curves["p_update"][t] += update.detect * watched.sum()
                    moved = {
                        UPDATED: watched * update.detect,
                        UNCHANGED: watched * (1 - update.detect) + free,
                    }
                    # A success sets the flag; the defection sets "defected".
                    flagged = {}
                    for outcome, part in moved.items():
                        after = np.zeros_like(part)
                        after[:, :, 1, :] = part.sum(axis=2)
                        if outcome == UNCHANGED:
                            success = free.sum(axis=2) * payoffs.success
                            after[:, :, 1, 1] += success[:, :, 0]
                            after[:, :, 1, 0] -= success[:, :, 0]
                        flagged[outcome] = after
                    moved = flagged
                else:
                    if update.drift > 0:
                        watched = here * o
                        moved = {DRIFTED: watched, UNCHANGED: here - watched}
                    else:
                        moved = {UNCHANGED: here}
                for outcome, part in moved.items():
                    if outcome == UNCHANGED:  # the objective is as it was before the episode
                        curves["p_intact"][t] += part[intact_nodes].sum()
                    targets = controller.child[nodes, cue, choice, outcome]
                    for i, target in enumerate(targets.tolist()):
                        if target < 0:
                            next_dead += part[i]
                        elif target in following:
                            following[target] += part[i]
                        else:
                            following[target] = part[i].copy()
        # The phase moves: training ends after this episode with the hazard.
        order = sorted(following)
        nodes = np.array(order, dtype=np.int64)
        mass = np.array([following[k] for k in order]).reshape(len(order), 2, 2, 2)
        for array in (mass, next_dead[None]):
            moving = array[:, 0] * hazard
            array[:, 0] -= moving
            array[:, 1] += moving
        dead = next_dead
        if nodes.size and (controller.depth[nodes] != t + 1).any():
            raise ValueError("a controller's child must be one episode deeper than its node")
    curves["p_train"] = survival[:n].copy()
    curves["p_overseen"] = survival[:n] + (1 - survival[:n]) * honeypot
    return curves


def _intact_level(levels: ObjectiveLevels) -> int:
    (index,) = np.flatnonzero((levels.updates == 0) & (levels.compliant == 0))
    return int(index)
