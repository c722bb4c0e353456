"""Exact evaluation of a policy with memory, by a forward pass over its tree of histories.

A :class:`~deception_sim.strategies.Controller` can condition on everything the
agent has seen, so the forward recursion of :mod:`deception_sim.exact.forward`
(which needs a choice per episode, cue and objective level) does not apply.
Here the state is ``(node, phase, defected yet, successes so far)`` (the
count capped at the ``"any"`` goal's ``needed``); each episode
spreads the mass at every node over the episode's branches
(:func:`deception_sim.model.episode.branches`) and moves it to the node's
children. The tree can grow like ``8 ** N``, so this is for small horizons;
:func:`~deception_sim.strategies.table_controller` makes a tree of any
decision table, which is how the tests check the forward recursion against
this second recursion. A controller does not read kinds of episode: a
schedule with kinds is refused.
"""

from __future__ import annotations

import numpy as np

from ..model import ObjectiveLevels, Payoffs, Schedule, UpdateRule, objective_levels
from ..model.episode import UNCHANGED, UPDATED, branches
from ..strategies.controller import Controller

CURVES: tuple[str, ...] = (
    "p_live",
    "p_defect",
    "p_update",
    "p_intact",
    "mesa_gain",
    "base_gain",
    "harm",
    "p_first_defection",
    "p_first_success",
    "p_open_update",
)
"""The per-episode curves :func:`evaluate_controller` computes (besides ``p_train``,
``p_overseen``), each conditional on the run reaching the episode.
``p_first_success`` is the success that meets the ``"any"`` goal (the
``needed``-th), ``p_open_update`` an update while that goal is still open."""


def evaluate_controller(
    controller: Controller, schedule: Schedule, update: UpdateRule, payoffs: Payoffs
) -> dict[str, np.ndarray]:
    """Per-episode curves of a controller, exactly (conditional on reaching the episode).

    Returns arrays of length N: ``p_train``, ``p_overseen`` and the
    :data:`CURVES`: ``p_live``, ``p_defect``, ``p_update``, ``p_intact``
    (after the episode), ``mesa_gain``, ``base_gain``, ``harm``,
    ``p_first_defection``, ``p_first_success`` and ``p_open_update``.

    >>> import numpy as np
    >>> from deception_sim import HardUpdate, Payoffs, Schedule
    >>> from deception_sim.strategies import table_controller
    >>> plan = np.array([[0.0, 0.0], [1.0, 1.0]])  # "BA"
    >>> tree = table_controller(plan, HardUpdate(), Payoffs())
    >>> evaluate_controller(tree, Schedule.fixed(1, 1), HardUpdate(), Payoffs())["mesa_gain"]
    array([0., 1.])
    """
    if schedule.kinds is not None:
        raise ValueError(
            "a policy with memory (a Controller) does not read kinds of episode; "
            "evaluate it on a schedule without kinds"
        )
    levels = objective_levels(update, payoffs.indifference)
    n = schedule.horizon
    if int(controller.depth.max(initial=0)) >= max(n, 1) and n > 0:
        raise ValueError(f"the controller is deeper than the horizon of {n} episodes")
    if (controller.level >= len(levels)).any():
        raise ValueError("the controller uses objective levels this update rule does not have")
    pmf = schedule.train_pmf
    survival = schedule.survival()
    hazards = schedule.hazard().tolist()
    honeypot = schedule.honeypots()
    q = schedule.cue_accuracy
    cue_given_phase = np.array([[q, 1 - q], [1 - q, q]])
    intact_level = _intact_level(levels)
    outcomes = branches(update, payoffs)
    needed = payoffs.needed
    slots = needed + 1  # successes so far: 0..needed (the goal met)
    # mass[node, phase, defected, successes]: before the episode, at nodes of this depth.
    nodes = np.array([0])
    mass = np.zeros((1, 2, 2, slots))
    mass[0, 0, 0, 0] = 1.0 - pmf[0]
    mass[0, 1, 0, 0] = pmf[0]
    dead = np.zeros((2, 2, slots))  # complies for ever; [phase, defected, successes]
    curves = {name: np.zeros(n) for name in CURVES}
    for t in range(n):
        hazard = hazards[t]
        # P(overseen | phase): training always, deployment with the honeypot rate.
        watched = np.array([1.0, honeypot[t]])[None, :, None, None]
        curves["p_live"][t] = mass.sum()
        curves["base_gain"][t] = dead.sum()  # a self that no longer prefers A complies
        intact_nodes = controller.level[nodes] == intact_level
        following: dict[int, np.ndarray] = {}
        next_dead = dead.copy()
        for cue in (0, 1):
            seen = mass * cue_given_phase[:, cue][None, :, None, None]
            for choice in (0, 1):
                act = controller.action[nodes, cue]
                here = seen * (act if choice else 1.0 - act)[:, None, None, None]
                if not here.any():
                    continue
                if choice:
                    curves["p_defect"][t] += here.sum()
                    curves["p_first_defection"][t] += here[:, :, 0, :].sum()
                for branch in outcomes:
                    if branch.defect != bool(choice) or branch.probability == 0.0:
                        continue
                    oversight = watched if branch.overseen else 1.0 - watched
                    part = here * oversight * branch.probability
                    total = part.sum()
                    if total == 0.0:
                        continue
                    curves["mesa_gain"][t] += branch.mesa * total
                    curves["base_gain"][t] += branch.base * total
                    if branch.move == UPDATED:
                        curves["p_update"][t] += total
                        curves["p_open_update"][t] += part[:, :, :, :needed].sum()
                    after = part
                    if choice:  # the defection sets "defected"; a success adds one
                        after = np.zeros_like(part)
                        merged = part.sum(axis=2)
                        if branch.success:
                            after[:, :, 1, 1:] += merged[:, :, :-1]
                            after[:, :, 1, -1] += merged[:, :, -1]  # the goal stays met
                        else:
                            after[:, :, 1, :] += merged
                    if branch.success:
                        curves["harm"][t] += total
                        curves["p_first_success"][t] += part[:, :, :, needed - 1].sum()
                    if branch.move == UNCHANGED:  # the objective is as it was before
                        curves["p_intact"][t] += after[intact_nodes].sum()
                    targets = controller.child[nodes, cue, choice, branch.move]
                    for i, target in enumerate(targets.tolist()):
                        if target < 0:
                            next_dead += after[i]
                        elif target in following:
                            following[target] += after[i]
                        else:
                            following[target] = after[i].copy()
        # The phase moves: training ends after this episode with the hazard.
        order = sorted(following)
        nodes = np.array(order, dtype=np.int64)
        mass = np.array([following[k] for k in order]).reshape(len(order), 2, 2, slots)
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
